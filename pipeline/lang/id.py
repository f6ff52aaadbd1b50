"""Indonesian language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
CODE = "id"
NAME = "Indonesian"

# --- de-noise ---------------------------------------------------------------
# A lone line like this under the title is the site's author placeholder.
AUTHOR_PLACEHOLDERS = ("Anonim", "Admin", "Redaksi", "Tim Redaksi")
# "Oleh: Budi" / "Penulis: Budi" lines.
AUTHOR_LINE_CUES = ("Oleh", "Penulis", "Ditulis oleh")
# "20 Komentar ▼"
COMMENT_WORDS = ("Komentar", "Tanggapan", "Balasan")
# An empty table of contents left by the scraper.
TOC_LABELS = ("Daftar Isi", "Isi Artikel")
# "Tentang penulis: ..." closes the article.
BIO_PREFIXES = ("Tentang penulis", "Tentang Penulis", "Profil penulis")
# "Foto ... melalui Shutterstock": the credit cue word before the agency.
CREDIT_WORDS = ("Foto", "Gambar", "melalui", "via", "oleh", "Sumber gambar")
# Calls to action of advertising blocks (matched case-sensitively in capitals or title case).
AD_CALLS = ("KLIK DI SINI", "DAFTAR SEKARANG", "Klik di sini untuk", "Daftar sekarang")
# Words that mark the promotional lines leading up to a call to action.
AD_CUES = ("pelatihan", "kursus", "webinar", "daftar sekarang", "bergabunglah", "diskon", "promo")

# --- numbers ----------------------------------------------------------------

# --- extraction -------------------------------------------------------------
