"""Indonesian language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
from pipeline.lang import shared

CODE = "id"
NAME = "Indonesian"
# Other codes the language identifier gives for this language's text: Malay, near-identical in writing: taken as Indonesian when Indonesian is close.
LANGID_ALIASES = ("ms",)
# Lower-case letters beyond a-z (none: Indonesian writes a-z); the upper-case forms follow.
LETTERS = ""

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
# A closing list of SEO keywords or tags under one of these labels.
KEYWORD_LABELS = ("Kata Kunci", "Kata kunci", "Tag", "Label")

# Page furniture, read by pipeline/denoising/furniture.py (lower case; a line that starts with
# one of these and is short is furniture: share boxes, related posts, "read also", tags, comment
# forms, author boxes, republication notices, copyright and cookie notices). Phrases chosen so that
# no sentence of an article starts with them ("bagikan artikel", not "bagikan").
FURNITURE_CUES = ("bagikan artikel", "bagikan:", "bagikan ini", "bagikan postingan ini", "artikel terkait",
                  "artikel lainnya", "artikel terbaru", "artikel populer", "postingan terkait", "posting terkait",
                  "postingan terbaru", "baca juga", "baca selengkapnya", "lihat semua artikel", "lihat semua postingan",
                  "selengkapnya", "tinggalkan balasan", "tinggalkan komentar", "berlangganan newsletter",
                  "berlangganan gratis", "tagar:", "kategori:", "ditulis oleh", "tentang penulis",
                  "artikel ini pertama kali", "artikel ini telah tayang", "artikel ini sudah tayang",
                  "artikel ini telah terbit", "artikel ini sebelumnya", "hak cipta dilindungi",
                  "semua hak dilindungi", "situs ini menggunakan cookie")
# Calls to action: furniture only in the closing lines, after the last paragraph of text.
CALL_TO_ACTION_CUES = ("hubungi kami", "konsultasi gratis", "konsultasikan", "daftar sekarang", "pesan sekarang",
                       "klik di sini", "klik disini", "chat kami", "whatsapp kami", "dapatkan penawaran")
# Company registration labels followed by a number: footer lines.
REGISTRATION_LABELS = ("NPWP", "NIB", "SIUP", "TDP", "AHU")
# Navigation and legal link words: a line made only of these (two or more) is a menu or a footer.
NAV_WORDS = ("beranda", "kontak", "kontak kami", "hubungi kami", "tentang", "tentang kami", "blog", "menu",
             "layanan", "portofolio", "karir", "masuk", "daftar", "cari", "kebijakan privasi", "syarat dan ketentuan",
             "disclaimer", "peta situs", "sitemap")
# jusText's stoplist for stopword density (justext.get_stoplist).
JUSTEXT_STOPLIST = "Indonesian"

# --- numbers ----------------------------------------------------------------
# Read by pipeline/numbers.py. Words are lower case; a word ending in "*" matches any word
# that starts with it; a space matches any run of spaces.
# Digits: "2.000" = 2000, "2,5" = 2.5, "1.234,56".
DECIMAL_SEP = ","
THOUSANDS_SEP = (".",)
# Number words, added up in order; NUMBER_SCALES and NUMBER_TEENS combine them.
NUMBER_WORDS = {"nol": 0, "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
                "delapan": 8, "sembilan": 9}
# Multiply the unit before them: "dua puluh" = 20, "tiga ratus" = 300.
NUMBER_SCALES = {"puluh": 10, "ratus": 100}
# Add ten to the unit before them: "dua belas" = 12.
NUMBER_TEENS = {"belas": 10}
# "One" glued before a scale, teen, magnitude or denominator: sepuluh, sebelas, seratus, seribu, sepertiga.
NUMBER_ONE_PREFIXES = ("se",)
# Glue between unit and tens inside one word (Dutch "vijfentwintig"); none here.
NUMBER_JOINERS = ()
# Number words that are not a quantity on their own ("salah satu" = "one of").
WEAK_NUMBER_WORDS = ("satu",)
# Multiply everything before them: "1,5 juta" = 1 500 000, "dua ratus ribu" = 200 000.
MAGNITUDE_WORDS = {"ribu": 1e3, "rb": 1e3, "juta": 1e6, "jt": 1e6, "miliar": 1e9, "milyar": 1e9,
                   "triliun": 1e12}
# Magnitudes that mean "one ..." with no number before them (Indonesian says "sejuta").
BARE_MAGNITUDE_WORDS = ()
# Words that are a fraction by themselves ("setengah pengguna" = 50 %).
FRACTION_WORDS = {"setengah": 0.5, "separuh": 0.5}
# Denominators after a numerator: "dua pertiga" = 2/3, "sepertiga" = 1/3.
DENOMINATOR_WORDS = {"pertiga": 3, "perempat": 4, "perlima": 5, "perenam": 6, "perdelapan": 8,
                     "persepuluh": 10, "perseratus": 100}
# Words that must follow "one <denominator>" for it to be a fraction, not an ordinal; none needed here.
FRACTION_OF_WORDS = ()
# After a number: a percentage ("%" is shared).
PERCENT_WORDS = ("persen", "prosen", "poin persentase")
# After a number: a multiplier ("3x" is shared).
MULTIPLIER_WORDS = ("kali lipat", "kali", "lipat")
# Words that are a multiplier by themselves.
MULTIPLIER_NUMBER_WORDS = {}
# "X dari Y": a proportion ("1 dari 3" = 33.3 %).
PROPORTION_WORDS = ("dari",)
# (opener before X, joiner between X and Y) of a range; "" = no opener needed.
RANGE_WORDS = (("", "hingga"), ("", "sampai"), ("", "s/d"), ("antara", "dan"), ("antara", "hingga"),
               ("antara", "sampai"), ("dari", "hingga"), ("dari", "sampai"), ("dari", "ke"))
# After a number: its currency ("$", "€", "£" and ISO codes are shared).
CURRENCY_WORDS = {"rupiah": "IDR", "idr": "IDR", "dolar*": "USD", "euro": "EUR"}
# Before a number: its currency ("Rp 50.000", "Rp50.000").
CURRENCY_PREFIXES = {"rp": "IDR", "rp.": "IDR", "idr": "IDR"}
# Words before a year ("sejak 2012", "tahun 2008").
YEAR_CUES = ("tahun", "thn", "sejak", "awal", "akhir", "pertengahan")
# Words after a year; none in Indonesian.
YEAR_SUFFIXES = ()
# A day number next to these is a date ("22 Februari").
MONTH_NAMES = ("januari", "februari", "pebruari", "maret", "april", "mei", "juni", "juli", "agustus",
               "september", "oktober", "november", "nopember", "desember") + shared.MONTH_NAMES
# After a number: a duration, not a count ("3 bulan").
TIME_UNIT_WORDS = ("detik", "menit", "jam", "hari", "minggu", "pekan", "bulan", "tahun")
# Before a number: a list label, not a quantity ("Mitos 1", "Langkah 3").
LABEL_WORDS = ("mitos", "langkah", "tip", "tips", "kiat", "cara", "trik", "saran", "bab", "bagian", "nomor",
               "nomer", "no", "no.", "poin", "kesalahan", "alasan")
# After a number: words that show it counts nothing ("punkt 2 dan ...").
COUNT_STOP_WORDS = ("dan", "atau", "di", "ke", "dari", "yang", "untuk", "pada", "dengan", "adalah", "ini",
                    "itu", "tersebut", "juga", "dalam", "oleh", "sebagai", "hingga", "sampai", "akan")

# --- extraction -------------------------------------------------------------
# myths and tips (MYTH_/TIP_ constants; read by pipeline/extract/myths.py and tips.py).
# Cue phrases are lower case, one token per word; a word ending in "*" matches any
# token that starts with it.
# Words that name a myth or misconception: in a title or an intro they announce a list of them.
MYTH_CUES = ("mitos*", "kesalahpahaman", "salah kaprah", "salah paham", "miskonsepsi", "anggapan keliru",
             "anggapan yang keliru", "anggapan salah", "anggapan yang salah", "kepercayaan yang salah")
# Fears and objections: announce quoted claims that the article answers.
MYTH_WEAK_CUES = ("ketakutan", "keberatan", "dalih", "alasan klasik")
# Labels of myth headings ("Mitos 1: ...").
MYTH_LABELS = ("mitos", "mitos-mitos", "mito")
# "that", after a myth cue in a sentence: "Salah satu mitos ... adalah bahwa <claim>".
MYTH_THAT = ("bahwa",)
# Belief verbs: with a mistake cue and "that" they state a misconception
# ("membuat kesalahan dengan percaya bahwa ...").
MYTH_BELIEF_CUES = ("percaya", "menganggap", "mengira", "berpikir", "beranggapan", "meyakini", "yakin")
# Headings that close a list rather than belong to it.
MYTH_SKIP_HEADINGS = ("kesimpulan", "penutup", "ringkasan", "faq", "referensi", "sumber")
# Labels of tip headings ("Kiat 3: ...").
TIP_LABELS = ("tip", "tips", "kiat", "saran", "langkah", "cara", "trik")
# Words announcing advice: "Berikut ini beberapa kiat ...:", "7 Tips Pemasaran Digital".
TIP_INTRO_CUES = ("kiat", "tips", "tip", "saran", "langkah*", "cara-cara", "strategi", "trik", "rekomendasi",
                  "yang harus anda lakukan", "yang perlu anda lakukan", "anjuran")
# Words announcing a list of mistakes: its headings describe what not to do.
TIP_MISTAKE_CUES = ("kesalahan", "kekeliruan", "blunder")
# Imperative verbs that start advice ("Jangan ...", "Hindari ...", "Gunakan ...").
TIP_IMPERATIVES = ("jangan", "hindari", "patuhi", "lengkapi", "ikuti", "pelajari", "kunjungi", "pahami",
                   "hubungi", "sadari", "jauhi", "dekati", "nikmati", "perbarui", "identifikasi", "buat",
                   "tulis", "coba", "ukur", "cari", "bantu", "baca", "pilih", "ingat", "tanya", "tunggu",
                   "mulai", "jaga", "beri", "pakai", "kirim", "uji", "pantau", "fokus", "tinggal", "cek",
                   "periksa", "minta", "dengarkan", "ajak", "awasi", "mulailah", "tetaplah", "jadilah", "balas",
                   "tanggapi", "jawab", "simpan", "catat", "tambah", "ubah", "atur", "bangun", "hapus", "ganti",
                   "undang", "latih", "rekam", "unggah", "kelola", "dengar", "tentukan", "sesuaikan")
# Imperative endings ("Pastikan", "Gunakan", "Mintalah", "Fokuslah").
TIP_IMPERATIVE_SUFFIXES = ("kan", "lah")
# Words with those endings that are not imperatives.
TIP_IMPERATIVE_NOT = ("bahkan", "bukan", "akan", "sedangkan", "misalkan", "andaikan", "kebanyakan",
                      "kebijakan", "kerusakan", "pendidikan", "ikan", "rekan", "pekan", "kan", "itulah",
                      "inilah", "adalah", "salah", "sekolah", "masalah", "telah", "setelah", "sebelah",
                      "jumlah", "sejumlah", "kalah", "olah", "allah", "dialah", "merekalah", "kitalah",
                      "kamilah", "andalah", "sayalah", "akulah", "sinilah", "situlah", "begitulah",
                      "demikianlah", "disinilah", "disitulah", "lah", "wilayah", "sudahlah", "istilah", "lelah",
                      "berdasarkan", "kebaikan", "keunikan", "kecantikan", "ketertarikan", "perbaikan",
                      "pemasukan", "masukan", "tujukan")
# Prefixes of declarative and passive verbs ("Menggunakan", "Dikatakan"): not imperatives.
TIP_IMPERATIVE_NOT_PREFIXES = ("me", "di")
# A word after the verb that shows it is a noun ("Fokus utama adalah ...").
TIP_NOT_NEXT = ("adalah", "merupakan", "ialah", "tersebut")
# Words that may come before the imperative ("Alih-alih, fokuslah ...", "Selalu dapatkan ...").
TIP_LEAD_WORDS = ("selalu", "jadi", "dan", "tapi", "tetapi", "namun", "alih-alih", "juga", "lalu", "kemudian",
                  "sekarang", "pertama", "kedua", "ketiga", "terakhir", "akhirnya", "maka", "karena itu",
                  "oleh karena itu", "intinya", "singkatnya", "pertama-tama", "sebaliknya", "terus", "cukup",
                  "nah", "setidaknya")
# Conditional openers: "Jika Anda ..., hindari ..." is advice in its main clause.
TIP_CONDITIONALS = ("jika", "kalau", "apabila", "bila", "jikalau", "seandainya")
# Subject pronouns allowed right after the verb of the main clause; none needed here.
TIP_CONDITIONAL_SUBJECTS = ()
# Modal and advice phrases anywhere in a sentence ("Bisnis harus ...").
TIP_MODALS = ("harus", "perlu", "sebaiknya", "hendaknya", "wajib", "disarankan", "dianjurkan",
              "penting untuk", "jangan lupa", "pastikan", "cobalah", "tidak boleh")
# A negation right before a modal cancels it ("tidak perlu").
TIP_MODAL_NEGATIONS = ("tidak", "tak", "bukan", "belum")
# Reader calls to action and requests to the author: not advice ("Beri tahu saya ...").
TIP_NOT_CUES = ("beri tahu saya", "beri tahu kami", "tinggalkan komentar", "kolom komentar", "komentar di bawah",
                "bagikan artikel", "klik di sini", "berlangganan", "hubungi kami", "baca juga", "baca selengkapnya", "pelajari lebih lanjut", "selengkapnya",
                "artikel ini", "lihat juga", "lihat di bawah", "baca di sini",
                "hubungi tim kami")
# First-person pronouns: an imperative aimed at the author ("Maafkan saya") is no advice.
TIP_FIRST_PERSON = ("saya", "aku", "kami")
# A sentence ending in ":" with these words announces a list ("Ikuti tips berikut:"): not a tip itself.
TIP_ANNOUNCE_CUES = ("berikut", "di bawah ini", "antara lain", "seperti ini")
# Subject pronouns right after a sentence-initial verb make it a statement, not an imperative.
TIP_SUBJECTS = ()
# The reader addressed: a feature of advice (the sentence classifier, pipeline/extract/sentence_model.py).
TIP_SECOND_PERSON = ("anda", "kamu", "kalian", "kau", "engkau", "dirimu", "bisnismu", "usahamu", "tokomu", "kontenmu")
# The author speaking of themselves: a story or an opinion rather than advice.
TIP_NARRATOR_WORDS = ("saya", "aku", "kami", "ku", "daku")
# Softer advice anywhere in a sentence ("Lebih baik kamu ...", "Cukup siapkan ...").
TIP_ADVICE_CUES = ("lebih baik", "sebaiknya", "disarankan", "dianjurkan", "usahakan", "cobalah", "coba", "cukup",
                   "jangan lupa", "pastikan", "penting untuk", "tips", "kiat", "saran", "trik", "bisa mencoba",
                   "ada baiknya", "alangkah baiknya", "idealnya")
# Openings that look imperative but are not: "Mulai dari A, B hingga C" ranges, "Buat kamu yang ..." = "for you who".
TIP_NOT_OPENERS = ("mulai dari", "buat kamu yang", "buat anda yang", "buat kalian yang")
# A subject after a verb that follows a lead word (a statement); Indonesian has no such inversion.
TIP_INVERSION_SUBJECTS = ()
# Questions that suggest: "Mengapa tidak mencoba ...?"
TIP_SUGGESTION_QUESTIONS = ("mengapa tidak", "kenapa tidak", "kenapa nggak", "kenapa gak", "mengapa tak", "bagaimana kalau", "gimana kalau")
# A claim said to be widely held, which myths state ("Banyak orang bilang bahwa ...").
MYTH_POPULAR_CUES = ("banyak orang", "banyak yang", "kebanyakan orang", "orang bilang", "orang mengira", "anggapan",
                     "menganggap", "beranggapan", "dianggap", "seolah-olah", "seakan-akan", "katanya", "konon",
                     "pada umumnya orang", "sering dikira", "sering dianggap", "mengira", "percaya bahwa")
# A claim rejected by the sentences after it ("Padahal ...", "Anggapan tersebut tidak benar").
MYTH_REBUTTAL_CUES = ("padahal", "tidak benar", "tidak selamanya benar", "tidak sepenuhnya benar", "kenyataannya",
                      "faktanya", "nyatanya", "pada kenyataannya", "keliru", "salah besar", "bualan", "omong kosong",
                      "belum tentu", "tidak lantas", "bukan berarti", "salah kaprah",
                      # disagreement and dismissal in general words
                      "tidak setuju", "menyesatkan", "sama sekali tidak", "bukan begitu", "tidak demikian", "hanya mitos", "cuma mitos")
# Absolutes: misconceptions overgeneralise ("Media sosial hanya untuk anak muda", "pasti dapat bertahan").
MYTH_ABSOLUTE_CUES = ("hanya", "pasti", "selalu", "tidak pernah", "tidak mungkin", "mustahil", "semua orang", "siapa pun",
                      "dengan sendirinya", "otomatis")
# Right before a popular cue the many are counted, not holding a claim: "bagi kebanyakan orang" (for most
# people), "makin banyak orang" (more and more people).
MYTH_POPULAR_NOT_AFTER = ("bagi", "untuk", "makin", "semakin", "kepada", "oleh")
# Contrast markers opening a sentence: what it says turns against the sentence before it ("Namun ...",
# "Sebenarnya ..."); weaker than a rejection, a feature of the claim before them.
MYTH_CONTRAST_CUES = ("namun", "tetapi", "akan tetapi", "tapi", "sebenarnya", "sesungguhnya", "ternyata", "justru",
                      "faktanya", "kenyataannya", "nyatanya")
# statistics and cited examples (STAT_/EXAMPLE_ constants; read by pipeline/extract/statistics.py
# and examples.py). Lower case; a word ending in "*" matches any token that starts with it.
# "Menurut X, ...": the name after these words is the source of a statistic or a quoted expert.
STAT_SOURCE_PREPS = ("menurut", "berdasarkan", "mengutip", "dikutip dari", "sumber")
# Words naming a study or data set: "Studi Pencarian Lokal 2012", "survei oleh X".
STAT_STUDY_CUES = ("studi", "penelitian", "survei", "survey", "riset", "laporan", "statistik", "data",
                   "jajak pendapat", "analisis", "temuan", "kajian")
# "survei oleh X", "data dari X": the agent of a study.
STAT_AGENT_PREPS = ("oleh", "dari")
# "X menemukan bahwa ...": a source reporting a finding.
STAT_FINDING_VERBS = ("menemukan", "menunjukkan", "melaporkan", "mengungkapkan", "mencatat", "menyebutkan",
                      "memperkirakan", "menyatakan", "mengatakan", "membuktikan")
# Before a quantity, these words make it a hypothetical or an instruction, not a fact.
STAT_HYPOTHETICAL = ("jika", "kalau", "apabila", "misalkan", "andaikan", "seandainya", "bayangkan",
                     "katakanlah", "anggaplah", "targetkan", "usahakan", "bila")
# Labels of a closing list of sources ("Sumber:"); its one study is the source of unattributed statistics.
STAT_SOURCE_LIST_LABELS = ("sumber", "referensi", "daftar pustaka", "rujukan", "sumber data", "bacaan lebih lanjut") + shared.SOURCE_LIST_LABELS
# Right before a quantity: an offer or a limit, not a fact ("diskon 20%", "maksimal 3x").
STAT_NOT_CUES = ("diskon", "potongan", "hemat", "cashback", "maksimal", "minimal", "paling sedikit",
                 "paling banyak", "tidak lebih dari", "target", "promo")
# Verbs of saying and writing: "X mengatakan", "kata X".
EXAMPLE_REPORT_VERBS = ("mengatakan", "berkata", "kata", "katanya", "ujar", "ujarnya", "menulis", "menuliskan",
                        "menjelaskan", "mencatat", "menyatakan", "mengungkapkan", "menyebutkan", "menegaskan",
                        "menambahkan", "berpendapat", "menyarankan", "merekomendasikan", "mengamati", "menemukan",
                        "melaporkan", "memperingatkan", "menyampaikan", "membagikan", "bercerita", "menceritakan",
                        "mengakui", "menekankan")
# Words that announce an example or a case: "Misalnya, Burger King ...".
EXAMPLE_CUES = ("misalnya", "misal", "contoh*", "sebagai contoh", "studi kasus", "kasus")
# "seperti X": an example when the name follows at once.
EXAMPLE_SUCH_AS = ("seperti", "semisal", "antara lain", "termasuk")
# Person titles and roles before (or after a comma behind) a name.
EXAMPLE_TITLES = ("dr", "prof", "profesor", "pakar", "ahli", "psikolog", "pendiri", "salah satu pendiri", "ceo",
                  "direktur", "konsultan", "penulis", "peneliti", "kepala", "presiden", "wakil presiden",
                  "pemilik", "manajer", "analis", "pengusaha", "blogger", "juru bicara", "spesialis", "guru besar")
# Nouns right before a name that make it an organisation or brand: "maskapai United".
EXAMPLE_ORG_NOUNS = ("perusahaan", "merek", "maskapai", "toko", "restoran", "startup", "agensi", "agen",
                     "organisasi", "lembaga", "raksasa", "pesaing", "produsen", "jaringan", "kompetitor",
                     "brand", "bank", "universitas", "institut", "pt")
# Organisation words at the end of a capitalised name: "Harris Interactive".
EXAMPLE_ORG_SUFFIXES = ("institut", "universitas", "grup", "group", "indonesia") + shared.ORG_SUFFIXES
# Places: never a cited name by themselves, but part of one ("Universitas Indonesia").
EXAMPLE_PLACES = ("indonesia", "amerika", "amerika serikat", "as", "eropa", "asia", "jakarta", "surabaya",
                  "bandung", "bali", "jawa", "singapura", "malaysia", "china", "cina", "jepang", "inggris",
                  "australia", "india", "barat", "timur")
# Counted words after a multiplier that make it a frequency ("3 kali seminggu"), not a statistic.
STAT_FREQUENCY_WORDS = ("sehari", "seminggu", "sebulan", "setahun", "per hari", "per minggu", "per bulan",
                        "per tahun", "dalam seminggu", "dalam sehari", "dalam sebulan", "setiap hari",
                        "setiap minggu", "setiap bulan", "tiap hari", "tiap minggu")
# Things a business counts: a count of them is a figure ("1.500 pelanggan", "pesanan: 866").
STAT_COUNT_NOUNS = ("pengguna", "pelanggan", "orang", "pengunjung", "pesanan", "pembeli", "pengikut", "transaksi",
                    "karyawan", "pegawai", "eksemplar", "kunjungan", "responden", "peserta",
                    "pembaca", "subscriber")
# Capitalised words that are never a cited name (pronouns, months, days, generic nouns at a sentence start).
EXAMPLE_STOP = ("anda", "saya", "kami", "kita", "dia", "ia", "mereka", "aku", "kamu", "beliau", "engkau",
                "ini", "itu", "yang", "dan", "di", "ke", "dari", "untuk", "dengan", "jika", "tetapi", "tapi",
                "namun", "para", "sang", "si", "tuan", "nyonya", "bapak", "ibu", "pak", "bu", "mas", "mbak",
                "internet", "web", "online", "daring", "januari", "februari", "maret", "april", "mei", "juni",
                "juli", "agustus", "september", "oktober", "november", "desember", "senin", "selasa", "rabu",
                "kamis", "jumat", "sabtu", "minggu", "orang", "pelanggan", "konsumen", "pengguna", "banyak",
                "beberapa", "semua", "sebagian", "penelitian", "studi", "data", "riset", "survei", "laporan",
                "perusahaan", "bisnis", "merek", "pemasar", "pakar", "ahli", "mitos", "tips", "kiat", "langkah",
                "foto", "gambar", "sumber", "catatan",
                "tuhan", "allah", "ya", "tidak", "oke", "ok", "hai", "halo", "wow",
                # function words that start sentences
                "ada", "adalah", "akan", "atau", "bagi", "bahkan", "bahwa", "banyak", "belum", "bila", "dalam",
                "demikian", "hanya", "juga", "karena", "ketika", "kini", "lalu", "maka", "meskipun", "misalnya",
                "oleh", "pada", "per", "saat", "sama", "sebagai", "sebelum", "sedangkan", "sejak", "selain",
                "selama", "semua", "sementara", "sendiri", "setelah", "setiap", "sudah", "terutama", "tanpa",
                "tentang", "terhadap", "walaupun", "yaitu", "yakni", "apa", "apakah", "bagaimana", "mengapa",
                "kapan", "siapa", "mana", "dimana", "sekarang", "hari", "tahun", "bulan", "pertama", "kedua",
                "ketiga", "terakhir", "selanjutnya", "akhirnya", "jadi", "dengan", "menurut", "contoh",
                "disini", "di sini", "sini", "situ", "disitu", "kemudian", "berikut", "berikutnya", "pasti")
# Platforms named as channels (never a cited example): the international ones and local ones.
EXAMPLE_PLATFORMS = shared.PLATFORMS + ("kaskus",)
# Generic acronyms: terms, not names.
EXAMPLE_GENERIC_ACRONYMS = shared.GENERIC_ACRONYMS + ("dll",)
# Lower-case words inside one name, and particles that join only a last surname.
EXAMPLE_NAME_CONNECTORS = shared.NAME_CONNECTORS
EXAMPLE_NAME_PARTICLES = shared.NAME_PARTICLES
# Words joining names in a list ("M & Ms, Snickers ... Mars").
EXAMPLE_CONJUNCTIONS = ("dan", "atau", "serta") + shared.CONJUNCTIONS
# Inflectional endings: a capitalised word is a common one when the text writes it in lower
# case with one of these endings.
EXAMPLE_WORD_ENDINGS = ("an", "nya", "kan", "lah", "i") + shared.WORD_ENDINGS
# Possessives after a noun ("Manajer Komunitas Anda", "Instagram-mu"): a possessed thing is no cited name.
EXAMPLE_POSSESSIVES = ("anda", "kamu", "mu", "kita", "kami", "saya", "mereka", "nya", "dia")
