Attribute VB_Name = "FitnDistant"
' Boutons du registre FITN7 axe 3 (fitn-xl) - version serveur : le calcul se fait sur le serveur du complément
' (fitn-xl serve), appelé par RunRemotePython du complément xlwings ; rien à installer en Python sur le poste.
' Prérequis : le complément xlwings de la même version que le serveur et, dans le complément où ce module
' est importé, Outils > Références > xlwings (RunRemotePython vient de ce complément). Voir README.md.
' Adresse du serveur : variable d'environnement FITN_XL_SERVEUR (par défaut http://127.0.0.1:8000).
' Jeton d'accès : variable d'environnement FITN_XL_JETON (jamais écrit dans le classeur). Voir README.md.
' Les fichiers produits sont proposés en téléchargement : les liens s'affichent à la fin.
Option Explicit

Private Function FitnServeur() As String
    FitnServeur = Environ("FITN_XL_SERVEUR")
    If FitnServeur = "" Then FitnServeur = "http://127.0.0.1:8000"
    If Right(FitnServeur, 1) = "/" Then FitnServeur = Left(FitnServeur, Len(FitnServeur) - 1)
End Function

Private Sub FitnAppeler(script As String)
    Dim jeton As String
    jeton = Environ("FITN_XL_JETON")
    RunRemotePython FitnServeur() & "/xlwings/custom-scripts-call/" & script, auth:=jeton, exclude:="Lisez-moi"
End Sub

Public Sub FitnRecalculerDistant()
    FitnAppeler "recalculer"
End Sub

Public Sub FitnConventionsDistant()
    FitnAppeler "generer_conventions"
End Sub

Public Sub FitnCourriersDistant()
    FitnAppeler "generer_courriers"
End Sub

' Liste DITP du mois en cours (pour un autre mois : le volet Office.js ou le bouton classique).
Public Sub FitnListeDitpDistant()
    FitnAppeler "preparer_liste_ditp"
End Sub
