"""After the decision: the « demande de mise en paiement » of a laureate's next instalment (`request`)."""
