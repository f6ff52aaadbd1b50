"""Polish language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
CODE = "pl"
NAME = "Polish"

# --- de-noise ---------------------------------------------------------------
AUTHOR_PLACEHOLDERS = ("Anonim", "Anonimowy", "Admin", "Redakcja")
AUTHOR_LINE_CUES = ("Autor", "Autorka", "Napisał", "Napisała")
COMMENT_WORDS = ("Komentarz", "Komentarze", "Komentarzy", "Odpowiedzi")
TOC_LABELS = ("Spis treści", "Spis tresci")
BIO_PREFIXES = ("O autorze", "O autorce")
CREDIT_WORDS = ("Zdjęcie", "Fot.", "Foto", "Źródło zdjęcia", "przez", "via")
AD_CALLS = ("KLIKNIJ TUTAJ", "ZAPISZ SIĘ", "Kliknij tutaj, aby", "Zapisz się teraz")
AD_CUES = ("szkolenie", "szkolenia", "dołącz", "zapisz się", "webinar", "kurs online", "na żywo", "otrzymasz")

# --- numbers ----------------------------------------------------------------

# --- extraction -------------------------------------------------------------
