Attribute VB_Name = "FitnBoutons"
' Boutons du registre FITN7 axe 3 (fitn-xl) - version classique : Python installé sur le poste, appelé par le
' complément xlwings (RunPython). Le classeur traité est le classeur actif (le registre).
' Prérequis : importé dans le complément FITN7 (fitn7.xlam, créé par « xlwings quickstart fitn7 --addin »),
' dont le module xlwings fournit RunPython : aucune référence à ajouter. Voir README.md.
Option Explicit

Private Const MODULE_PYTHON As String = "import fitn_xl.addin.scripts as fitn; "

' Recalcule les colonnes calculées de « Candidatures » et « Notation » et le tableau de bord (comme fitn-xl recalc).
Public Sub FitnRecalculer()
    RunPython MODULE_PYTHON & "fitn.bouton_recalculer()"
End Sub

' Recalcule puis génère les conventions des lauréats dans le dossier « Conventions » à côté du registre.
Public Sub FitnConventions()
    RunPython MODULE_PYTHON & "fitn.bouton_conventions()"
End Sub

' Recalcule puis génère les courriers de notification dans le dossier « Courriers » à côté du registre.
Public Sub FitnCourriers()
    RunPython MODULE_PYTHON & "fitn.bouton_courriers()"
End Sub

' Recalcule puis prépare la liste mensuelle DITP (.xlsx, .docx, .eml) dans le dossier « Liste DITP ».
Public Sub FitnListeDitp()
    Dim mois As String
    mois = InputBox("Mois de la liste (AAAA-MM) :", "Liste mensuelle DITP", Format(Date, "yyyy-mm"))
    If mois = "" Then Exit Sub
    If Not mois Like "####-##" Then
        MsgBox "« " & mois & " » n'est pas un mois au format AAAA-MM.", vbExclamation, "FITN7 axe 3"
        Exit Sub
    End If
    RunPython MODULE_PYTHON & "fitn.bouton_ditp('" & mois & "')"
End Sub
