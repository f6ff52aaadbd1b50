"""Dutch language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
CODE = "nl"
NAME = "Dutch"

# --- de-noise ---------------------------------------------------------------
AUTHOR_PLACEHOLDERS = ("Anoniem", "Anonim", "Admin", "Redactie")
AUTHOR_LINE_CUES = ("Door", "Auteur", "Geschreven door")
COMMENT_WORDS = ("Opmerkingen", "Opmerking", "Reacties", "Reactie")
TOC_LABELS = ("Inhoudsopgave", "Inhoud")
BIO_PREFIXES = ("Over de auteur", "Over de schrijver", "Over mij")
CREDIT_WORDS = ("Foto", "Afbeelding", "Beeld", "van", "via", "door")
AD_CALLS = ("KLIK HIER", "SCHRIJF JE IN", "Klik hier om", "Meld je nu aan")
AD_CUES = ("training", "cursus", "webinar", "schrijf je in", "meld je aan", "korting", "live")

# --- numbers ----------------------------------------------------------------

# --- extraction -------------------------------------------------------------
