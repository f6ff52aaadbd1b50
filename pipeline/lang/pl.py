"""Polish language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
from pipeline.lang import shared

CODE = "pl"
NAME = "Polish"
# Other codes the language identifier gives for this language's text: none.
LANGID_ALIASES = ()
# Lower-case letters beyond a-z (the Polish diacritics); the upper-case forms follow.
LETTERS = "ąćęłńóśźż"

# --- de-noise ---------------------------------------------------------------
AUTHOR_PLACEHOLDERS = ("Anonim", "Anonimowy", "Admin", "Redakcja")
AUTHOR_LINE_CUES = ("Autor", "Autorka", "Napisał", "Napisała")
COMMENT_WORDS = ("Komentarz", "Komentarze", "Komentarzy", "Odpowiedzi")
TOC_LABELS = ("Spis treści", "Spis tresci")
BIO_PREFIXES = ("O autorze", "O autorce")
CREDIT_WORDS = ("Zdjęcie", "Fot.", "Foto", "Źródło zdjęcia", "przez", "via")
AD_CALLS = ("KLIKNIJ TUTAJ", "ZAPISZ SIĘ", "Kliknij tutaj, aby", "Zapisz się teraz")
AD_CUES = ("szkolenie", "szkolenia", "dołącz", "zapisz się", "webinar", "kurs online", "na żywo", "otrzymasz")
# A closing list of SEO keywords or tags under one of these labels.
KEYWORD_LABELS = ("Słowa kluczowe", "Tagi")

# Page furniture, read by pipeline/denoising/furniture.py (lower case; a line that starts with
# one of these and is short is furniture: share boxes, related posts, "read also", tags, comment
# forms, author boxes, republication notices, copyright and cookie notices). Phrases chosen so that
# no sentence of an article starts with them ("bagikan artikel", not "bagikan").
FURNITURE_CUES = ("udostępnij artykuł", "udostępnij wpis", "udostępnij:", "podziel się:",
                  "podziel się artykułem", "podziel się wpisem", "powiązane posty", "powiązane artykuły",
                  "powiązane wpisy", "podobne wpisy", "podobne artykuły", "zobacz też", "zobacz także",
                  "przeczytaj też", "przeczytaj również", "przeczytaj także", "czytaj też", "czytaj także",
                  "czytaj więcej", "czytaj dalej", "zobacz wszystkie", "wszystkie wpisy", "najnowsze wpisy",
                  "ostatnie wpisy", "najnowsze posty", "najnowsze artykuły", "dodaj komentarz", "zostaw komentarz",
                  "zapisz się do newslettera", "zapisz się na newsletter", "tagi:", "kategorie:", "kategoria:",
                  "autor wpisu", "o autorze", "o autorce", "artykuł ukazał się", "artykuł został pierwotnie",
                  "artykuł pierwotnie", "tekst ukazał się", "wszelkie prawa zastrzeżone",
                  "ta strona używa plików cookie", "strona korzysta z plików cookie")
# Calls to action: furniture only in the closing lines, after the last paragraph of text.
CALL_TO_ACTION_CUES = ("skontaktuj się z nami", "skontaktuj się", "zadzwoń do nas", "napisz do nas", "umów się na",
                       "zamów bezpłatną", "sprawdź ofertę", "poproś o wycenę", "bezpłatna wycena",
                       "bezpłatną konsultację", "bezpłatna konsultacja")
# Company registration labels followed by a number: footer lines.
REGISTRATION_LABELS = ("NIP", "REGON", "KRS")
# Navigation and legal link words: a line made only of these (two or more) is a menu or a footer.
NAV_WORDS = ("strona główna", "kontakt", "o nas", "o mnie", "blog", "menu", "oferta", "usługi", "portfolio",
             "kariera", "zaloguj", "szukaj", "polityka prywatności", "polityka cookies", "regulamin",
             "mapa strony", "rodo")
# jusText's stoplist for stopword density (justext.get_stoplist).
JUSTEXT_STOPLIST = "Polish"

# --- numbers ----------------------------------------------------------------
# Read by pipeline/numbers.py. Words are lower case; a word ending in "*" matches any word
# that starts with it; a space matches any run of spaces.
# Digits: "2 000" (also no-break and narrow no-break space) = 2000, "2,5" = 2.5, "2.000" = 2000.
DECIMAL_SEP = ","
THOUSANDS_SEP = (" ", "\u00a0", "\u202f", ".")
# Number words with the case forms that occur ("ponad dwóch", "w ciągu trzech"), added up in order:
# "dwadzieścia pięć" = 25, "sto dwadzieścia" = 120.
NUMBER_WORDS = {
    "zero": 0,
    "jeden": 1, "jedna": 1, "jedno": 1, "jednego": 1, "jednej": 1, "jednemu": 1, "jednym": 1, "jedną": 1,
    "dwa": 2, "dwie": 2, "dwaj": 2, "dwóch": 2, "dwom": 2, "dwoma": 2, "dwiema": 2,
    "trzy": 3, "trzej": 3, "trzech": 3, "trzem": 3, "trzema": 3,
    "cztery": 4, "czterej": 4, "czterech": 4, "czterem": 4, "czterema": 4,
    "pięć": 5, "pięciu": 5, "pięcioma": 5, "sześć": 6, "sześciu": 6, "sześcioma": 6,
    "siedem": 7, "siedmiu": 7, "siedmioma": 7, "osiem": 8, "ośmiu": 8, "ośmioma": 8,
    "dziewięć": 9, "dziewięciu": 9, "dziewięcioma": 9, "dziesięć": 10, "dziesięciu": 10, "dziesięcioma": 10,
    "jedenaście": 11, "jedenastu": 11, "dwanaście": 12, "dwunastu": 12, "trzynaście": 13, "trzynastu": 13,
    "czternaście": 14, "czternastu": 14, "piętnaście": 15, "piętnastu": 15, "szesnaście": 16,
    "szesnastu": 16, "siedemnaście": 17, "siedemnastu": 17, "osiemnaście": 18, "osiemnastu": 18,
    "dziewiętnaście": 19, "dziewiętnastu": 19,
    "dwadzieścia": 20, "dwudziestu": 20, "trzydzieści": 30, "trzydziestu": 30, "czterdzieści": 40,
    "czterdziestu": 40, "pięćdziesiąt": 50, "pięćdziesięciu": 50, "sześćdziesiąt": 60,
    "sześćdziesięciu": 60, "siedemdziesiąt": 70, "siedemdziesięciu": 70, "osiemdziesiąt": 80,
    "osiemdziesięciu": 80, "dziewięćdziesiąt": 90, "dziewięćdziesięciu": 90,
    "sto": 100, "stu": 100, "dwieście": 200, "dwustu": 200, "trzysta": 300, "trzystu": 300,
    "czterysta": 400, "czterystu": 400, "pięćset": 500, "pięciuset": 500, "sześćset": 600,
    "sześciuset": 600, "siedemset": 700, "siedmiuset": 700, "osiemset": 800, "ośmiuset": 800,
    "dziewięćset": 900, "dziewięciuset": 900,
}
# Polish number words simply add up; no multiplying scales, teens or glued compounds.
NUMBER_SCALES = {}
NUMBER_TEENS = {}
NUMBER_ONE_PREFIXES = ()
NUMBER_JOINERS = ()
# "jeden" is also "one of" / "a": a quantity only with a magnitude, unit or proportion.
WEAK_NUMBER_WORDS = ("jeden", "jedna", "jedno", "jednego", "jednej", "jednemu", "jednym", "jedną")
MAGNITUDE_WORDS = {
    "tysiąc": 1e3, "tysiąca": 1e3, "tysiące": 1e3, "tysięcy": 1e3, "tysiącem": 1e3, "tysiącu": 1e3,
    "tysiącach": 1e3, "tysiącami": 1e3, "tys.": 1e3, "tys": 1e3,
    "milion": 1e6, "miliona": 1e6, "miliony": 1e6, "milionów": 1e6, "milionem": 1e6, "milionie": 1e6,
    "milionach": 1e6, "milionami": 1e6, "mln": 1e6,
    "miliard": 1e9, "miliarda": 1e9, "miliardy": 1e9, "miliardów": 1e9, "miliardem": 1e9,
    "miliardach": 1e9, "miliardami": 1e9, "mld": 1e9,
    "bilion": 1e12, "biliona": 1e12, "biliony": 1e12, "bilionów": 1e12,
}
# Singular magnitudes mean "one ..." alone ("do miliona użytkowników"); plurals ("miliony") are vague.
BARE_MAGNITUDE_WORDS = ("tysiąc", "tysiąca", "tysiącem", "milion", "miliona", "milionem", "milionie",
                        "miliard", "miliarda", "miliardem")
# Words that are a fraction by themselves ("połowa Polaków" = 50 %; "pół miliona" = 500 000).
FRACTION_WORDS = {"połowa": 0.5, "połowę": 0.5, "połową": 0.5, "pół": 0.5, "ćwierć": 0.25}
# Denominators after a numerator: "dwie trzecie" = 2/3, "trzy czwarte" = 3/4.
DENOMINATOR_WORDS = {"trzecia": 3, "trzecie": 3, "trzecich": 3, "czwarta": 4, "czwarte": 4, "czwartych": 4,
                     "piąta": 5, "piąte": 5, "piątych": 5, "dziesiąta": 10, "dziesiąte": 10,
                     "dziesiątych": 10}
# "jedna trzecia" is always a fraction in Polish: nothing needs to follow.
FRACTION_OF_WORDS = ()
# After a number: a percentage ("%" is shared); "10-procentowy", "5 punktów procentowych".
PERCENT_WORDS = ("procent*", "proc.", "proc", "pkt proc.", "punkt* procentow*")
# After a number: a multiplier ("dwa razy", "2-krotnie"; "3x" is shared).
MULTIPLIER_WORDS = ("razy", "raz", "krotnie", "krotny", "krotna", "krotne", "krotnego", "krotnym", "krotną")
# Words that are a multiplier by themselves.
MULTIPLIER_NUMBER_WORDS = {"dwukrotn*": 2, "trzykrotn*": 3, "czterokrotn*": 4, "pięciokrotn*": 5,
                           "sześciokrotn*": 6, "dziesięciokrotn*": 10, "stukrotn*": 100,
                           "podwoi*": 2, "podwoj*": 2, "potroi*": 3, "potroj*": 3}
# "X na Y", "X z Y": a proportion ("osiem na dziesięć" = 80 %).
PROPORTION_WORDS = ("na", "z")
# (opener before X, joiner between X and Y) of a range; "" = no opener needed.
RANGE_WORDS = (("", "do"), ("od", "do"), ("między", "a"), ("pomiędzy", "a"))
# After a number: its currency ("$", "€", "£" and ISO codes are shared).
CURRENCY_WORDS = {"zł": "PLN", "złotych": "PLN", "złote": "PLN", "złoty": "PLN", "złotego": "PLN",
                  "złotówek": "PLN", "pln": "PLN", "euro": "EUR", "dolar*": "USD", "funt*": "GBP"}
# Before a number: its currency.
CURRENCY_PREFIXES = {"pln": "PLN", "zł": "PLN"}
# Words before a year ("w 2018"); they widen the accepted span to older years.
YEAR_CUES = ("w", "roku", "rok", "latach")
# Words after a year ("2018 r.", "2018r.", "2012 roku").
YEAR_SUFFIXES = ("r.", "r", "rok", "roku", "rokiem", "rocznik*")
# A day number next to these is a date ("22 września").
MONTH_NAMES = ("styczeń", "stycznia", "luty", "lutego", "marzec", "marca", "kwiecień", "kwietnia", "maj",
               "maja", "czerwiec", "czerwca", "lipiec", "lipca", "sierpień", "sierpnia", "wrzesień",
               "września", "październik", "października", "listopad", "listopada", "grudzień", "grudnia") + shared.MONTH_NAMES
# After a number: a duration, not a count ("30 sekund", "trzy miesiące").
TIME_UNIT_WORDS = ("sekund*", "minut*", "godzin*", "dni", "dzień", "dnia", "doby", "dób", "tydzień",
                   "tygodni*", "miesiąc*", "miesięcy", "lat", "lata", "latach", "rok", "roku", "lat*")
# Before a number: a list label, not a quantity ("punkcie 26", "Krok 3").
LABEL_WORDS = ("punkt", "punkcie", "punktu", "krok", "kroku", "mit", "wskazówka", "porada", "nr", "nr.",
               "numer", "rozdział", "część", "etap", "sposób", "tip", "zasada", "błąd")
# After a number: words that show it counts nothing ("w punkcie 2 o ...").
COUNT_STOP_WORDS = ("i", "oraz", "lub", "albo", "a", "w", "we", "z", "ze", "na", "do", "o", "od", "po",
                    "przez", "dla", "jest", "są", "to", "że", "czy", "jak", "się", "nie", "by", "za", "przy",
                    "u")

# --- extraction -------------------------------------------------------------
# myths and tips (MYTH_/TIP_ constants; read by pipeline/extract/myths.py and tips.py).
# Cue phrases are lower case, one token per word; a word ending in "*" matches any
# token that starts with it.
# Words that name a myth or misconception: in a title or an intro they announce a list of them.
MYTH_CUES = ("mit", "mity", "mitów", "mitem", "micie", "mitach", "mitami", "mitu", "mitom",
             "błędne przekonani*", "błędnych przekonań", "błędnym przekonani*", "mylne przekonani*",
             "mylnych przekonań", "fałszywe przekonani*", "stereotyp*")
# Fears and objections: announce quoted claims that the article answers.
MYTH_WEAK_CUES = ("obawy", "obaw", "obawa", "wymówki", "wymówek", "zastrzeżenia", "zarzuty", "zarzutów")
# Labels of myth headings ("Mit 1: ...").
MYTH_LABELS = ("mit", "mity")
# "that", after a myth cue in a sentence: "Częstym mitem jest to, że <claim>".
MYTH_THAT = ("że",)
# Belief verbs: with a mistake cue and "that" they state a misconception
# ("Błędem jest myślenie, że ...").
MYTH_BELIEF_CUES = ("myśl*", "sądz*", "uważ*", "wierz*", "zakład*", "przekonani*", "założeni*")
# Headings that close a list rather than belong to it.
MYTH_SKIP_HEADINGS = ("podsumowanie", "wnioski", "zakończenie", "faq", "źródła", "bibliografia")
# Labels of tip headings ("Wskazówka 3: ...").
TIP_LABELS = ("wskazówka", "porada", "rada", "krok", "sposób", "tip", "trik")
# Words announcing advice: "Oto kilka wskazówek:", "26 wskazówek ...".
TIP_INTRO_CUES = ("wskazów*", "porad*", "rady", "sugesti*", "sugeru*", "metod*", "wniosk*", "wniosków",
                  "zasad*", "krok*", "sposob*", "sposób", "rekomendac*", "trik*", "pomysł*", "strategi*",
                  "zaleceni*", "co musisz zrobić", "co należy zrobić", "co robić")
# Words announcing a list of mistakes: its headings describe what not to do.
TIP_MISTAKE_CUES = ("błąd", "błędy", "błędów", "błędem", "wpadki", "wpadek", "grzechy", "grzechów")
# Imperative verbs that start advice and lack the regular endings below.
TIP_IMPERATIVES = ("dziel", "pomyśl", "myśl", "utwórz", "twórz", "włącz", "zwiększ", "zmniejsz", "pokaż", "weź",
                   "odpowiedz", "powiedz", "zapisz", "napisz", "pisz", "zmień", "ustal", "ustaw", "określ",
                   "postaw", "zostaw", "wybierz", "mierz", "zmierz", "wyznacz", "naucz", "ucz", "skup",
                   "patrz", "zobacz", "licz", "podziel", "poświęć", "miej", "rób", "zrób", "przestań", "spraw",
                   "panuj", "poznaj", "dowiedz", "pukaj", "wpasuj", "zadbaj", "unikaj", "traktuj", "pozwól",
                   "umieść", "zamieść", "opisz", "wyślij", "połącz", "przemyśl", "zastanów", "zaplanuj",
                   "daj", "dodaj", "dbaj", "szukaj", "znajdź", "idź", "bądź", "śledź", "sprawdź", "buduj",
                   "wykorzystaj", "skorzystaj", "trzymaj", "pytaj", "pamiętaj", "zacznij", "używaj", "użyj", "zwróć",
                   "zapamiętaj", "przyjrzyj", "wróć")
# Imperative endings ("Wykorzystaj", "Szanuj", "Zacznij", "Przejrzyj", "Sprawdź", "Dziękujcie").
TIP_IMPERATIVE_SUFFIXES = ("aj", "uj", "ij", "yj", "nij", "dź", "ajcie", "ujcie", "ijcie", "nijcie", "ajmy",
                           "ujmy")
# Words with those endings that are not imperatives.
TIP_IMPERATIVE_NOT = ("tutaj", "dzisiaj", "wczoraj", "kraj", "rodzaj", "zwyczaj", "obyczaj", "skraj",
                      "napój", "nastrój", "maj", "raj", "odpowiedź", "łódź", "miedź", "kij")
# Prefixes that mark other parts of speech.
TIP_IMPERATIVE_NOT_PREFIXES = ()
# A word after the verb that shows it is a noun.
TIP_NOT_NEXT = ("jest", "był", "była", "było", "były", "są")
# Words that may come before the imperative ("Zawsze ...", "Nie rób ...").
TIP_LEAD_WORDS = ("zawsze", "często", "nigdy", "regularnie", "najpierw", "nie", "więc", "dlatego", "a", "i",
                  "także", "też", "również", "po prostu", "przede wszystkim", "koniecznie", "teraz",
                  "następnie", "potem", "na koniec", "wreszcie", "ponadto", "zatem", "tylko", "w takim razie",
                  "to", "czasami", "czasem")
# Conditional openers: "Jeśli ..., trzymaj się ..." is advice in its main clause.
TIP_CONDITIONALS = ("jeśli", "jeżeli", "gdy", "kiedy", "jeśliby")
# Subject pronouns allowed right after the verb of the main clause; none needed here.
TIP_CONDITIONAL_SUBJECTS = ()
# Modal and advice phrases anywhere in a sentence ("Musisz ...", "Należy ...").
TIP_MODALS = ("musisz", "musicie", "musimy", "muszą", "powinieneś", "powinnaś", "powinniście",
              "powinien", "powinna", "powinno", "powinny", "powinni", "należy", "trzeba", "warto",
              "nie zapomnij", "polecam", "zalecam", "radzę", "zaleca się", "spróbuj", "pamiętaj")
# A negation right before a modal cancels it.
TIP_MODAL_NEGATIONS = ()
# Reader calls to action and requests to the author: not advice ("Zostaw komentarz ...").
TIP_NOT_CUES = ("w komentarzach", "w komentarzu", "zostaw komentarz", "w polu poniżej", "daj znać", "dajcie znać",
                "napisz do mnie", "napisz do nas", "kliknij", "zapisz się", "subskrybuj", "przeczytaj też",
                "przeczytaj również", "zobacz też", "skontaktuj się z nami", "dowiedz się więcej",
                "ten artykuł", "tym artykule", "tego artykułu", "warto zauważyć", "warto wspomnieć", "warto dodać",
                "warto przypomnieć", "zwróć uwagę, że", "przeczytaj tutaj", "czytaj tutaj", "skontaktuj się")
# First-person pronouns: an imperative aimed at the author ("Daj mi znać") is no advice.
TIP_FIRST_PERSON = ("mi", "mnie", "nam", "nas")
# A sentence ending in ":" with these words announces a list ("Oto powody:"): not a tip itself.
TIP_ANNOUNCE_CUES = ("oto", "następujące", "następujących", "następująco", "poniższe", "poniżej", "takie jak")
# Subject pronouns right after a sentence-initial verb make it a statement, not an imperative.
TIP_SUBJECTS = ()
# The reader addressed: a feature of advice (the sentence classifier, pipeline/extract/sentence_model.py).
TIP_SECOND_PERSON = ("ty", "ci", "cię", "ciebie", "tobie", "twój", "twoja", "twoje", "twojej", "twoich", "twoim",
                     "twojego", "twoją", "twoimi", "twoi", "twe", "twym", "wy", "was", "wam", "wasz", "wasza", "wasze", "waszej", "waszych",
                     "państwo", "państwa", "państwu", "sobie")
# The author speaking of themselves: a story or an opinion rather than advice.
TIP_NARRATOR_WORDS = ("ja", "mój", "moja", "moje", "mojej", "moich", "moim", "mojego", "my", "nasz", "nasza", "nasze", "naszej", "naszych", "naszym")
# Softer advice anywhere in a sentence ("Najlepiej ...", "Dobrym pomysłem jest ...").
TIP_ADVICE_CUES = ("warto", "najlepiej", "lepiej", "dobrze jest", "dobrym pomysłem", "polecam", "zalecam",
                   "pamiętaj", "nie zapominaj", "wskazówka", "porada", "rada", "kluczowe jest", "ważne jest",
                   "istotne jest", "opłaca się", "zadbaj", "upewnij się", "spróbuj", "rozważ")
# Openings that look imperative but are not: "Załóżmy, że ...", "Powiedzmy ..." (suppose).
TIP_NOT_OPENERS = ("załóżmy", "powiedzmy", "wyobraźmy sobie", "weźmy na przykład", "spójrzmy")
# A subject after a verb that follows a lead word (a statement); Polish marks the imperative itself.
TIP_INVERSION_SUBJECTS = ()
# Questions that suggest: "Dlaczego nie spróbować ...?"
TIP_SUGGESTION_QUESTIONS = ("dlaczego nie", "czemu nie")
# A claim said to be widely held, which myths state ("Wydaje się, że ...", "Wiele osób uważa, że ...").
MYTH_POPULAR_CUES = ("wiele osób", "wielu ludzi", "większość ludzi", "większość osób", "wydaje się", "powszechnie",
                     "panuje przekonanie", "kojarzy", "kojarzą", "uważa się", "sądzi się", "mówi się",
                     "często słyszę", "często słyszymy", "niektórzy uważają", "niektórzy myślą", "przekonanie",
                     "przekonani", "myślisz, że", "sądzisz, że")
# A claim rejected by the sentences after it ("To nieprawda.", "Nic bardziej mylnego!").
MYTH_REBUTTAL_CUES = ("nieprawda", "to nie prawda", "nie do końca prawda", "to nie jest prawda", "błąd",
                      "nic bardziej mylnego", "w rzeczywistości", "tymczasem", "mylne", "mylny", "błędne", "błędny",
                      "wcale nie", "bynajmniej", "owszem", "niekoniecznie",
                      # disagreement and dismissal in general words
                      "nie zgadzam się", "nie zgodzę się", "bzdura", "bzdury", "nietrafion*", "chybion*", "przesadzon*")
# Absolutes: misconceptions overgeneralise ("Praca zdalna jest tylko dla branży IT", "wyłącznie z ...").
MYTH_ABSOLUTE_CUES = ("tylko", "wyłącznie", "zawsze", "nigdy", "wszyscy", "każdy", "na pewno", "automatycznie",
                      "sam", "sama", "samo", "niemożliwe")
# Right before a popular cue the many are counted, not holding a claim: "dla wielu osób", "coraz więcej".
MYTH_POPULAR_NOT_AFTER = ("dla", "coraz", "przez", "u")
# Contrast markers opening a sentence: what it says turns against the sentence before it ("Jednak ...",
# "Tak naprawdę ..."); weaker than a rejection, a feature of the claim before them.
MYTH_CONTRAST_CUES = ("ale", "jednak", "jednakże", "lecz", "tymczasem", "tak naprawdę", "w rzeczywistości",
                      "w praktyce", "w istocie", "prawda jest taka", "faktycznie")
# statistics and cited examples (STAT_/EXAMPLE_ constants; read by pipeline/extract/statistics.py
# and examples.py). Lower case; a word ending in "*" matches any token that starts with it.
# "Według X, ...": the name after these words is the source of a statistic or a quoted expert.
STAT_SOURCE_PREPS = ("według", "wg", "zdaniem", "na podstawie", "jak podaje", "jak wynika z", "źródło")
# Words naming a study or data set: "ankieta zorganizowana przez X", "Badanie X".
STAT_STUDY_CUES = ("badani*", "badań", "ankiet*", "sondaż*", "raport*", "statystyk*", "analiz*", "dane", "danych",
                   "studium", "wyniki", "infografik*")
# "ankieta przeprowadzona przez X": the agent of a study.
STAT_AGENT_PREPS = ("przez", "od")
# "X wykazało, że ...": a source reporting a finding.
STAT_FINDING_VERBS = ("wykazał*", "wykazuje", "pokazuje", "pokazał*", "odkrył*", "stwierdza", "stwierdził*",
                      "wynika", "okazało się", "ustalił*", "podaje", "podał*", "raportuje", "szacuje", "szacuj*")
# Before a quantity, these words make it a hypothetical or an instruction, not a fact.
STAT_HYPOTHETICAL = ("jeśli", "jeżeli", "gdyby", "załóżmy", "powiedzmy", "przyjmijmy", "wyobraź", "nawet jeśli",
                     "nawet jeżeli", "jeśliby", "o ile")
# Labels of a closing list of sources ("Źródła:"); its one study is the source of unattributed statistics.
STAT_SOURCE_LIST_LABELS = ("źródła", "źródło", "bibliografia", "przypisy", "źródła danych", "literatura") + shared.SOURCE_LIST_LABELS
# Right before a quantity: an offer or a limit, not a fact ("rabat 20%", "maksymalnie 3 razy").
STAT_NOT_CUES = ("rabat", "rabatu", "rabatem", "zniżk*", "promocj*", "maksymalnie", "minimalnie", "co najmniej",
                 "najwyżej", "nie więcej niż", "nie przekraczaj", "cel", "celem", "oszczędź")
# Verbs of saying and writing: "X pisze", "mówi X".
EXAMPLE_REPORT_VERBS = ("pisze", "napisał", "napisała", "napisali", "mówi", "powiedział", "powiedziała", "twierdzi",
                        "stwierdza", "stwierdził", "stwierdziła", "zauważa", "zauważył", "zauważyła", "zwraca uwagę",
                        "zwrócił uwagę", "zwróciła uwagę", "oferuje", "sugeruje", "radzi", "doradza", "podsumowuje",
                        "wyjaśnia", "tłumaczy", "dodaje", "uważa", "przekonuje", "podkreśla", "odpowiedział",
                        "odpowiedziała", "zapytano", "zapytany", "zapytana", "udostępnił", "udostępniła",
                        "udostępniło", "opisał", "opisała", "opisuje", "odkrył", "odkryła", "odkryło", "wykazał",
                        "wykazała", "wykazało", "raportuje", "zawiera wskazówki", "daje wskazówki", "podaje",
                        "cytuje", "ostrzega", "przyznaje", "rekomenduje", "poleca", "wskazuje", "sprowadza",
                        "zaleca", "zalecają", "zalecił", "zaleciła", "radził", "radziła", "podał", "podała")
# Words that announce an example or a case: "na przykład", "studium przypadku".
EXAMPLE_CUES = ("na przykład", "przykład*", "np", "studi* przypadk*", "case study", "przypadek", "przypadku")
# "takich jak X": an example when the name follows at once.
EXAMPLE_SUCH_AS = ("takich jak", "takie jak", "taki jak", "taka jak", "m.in", "między innymi", "w tym")
# Person titles and roles before (or after a comma behind) a name.
EXAMPLE_TITLES = ("dr", "prof", "profesor", "ekspert", "ekspertka", "wiceprezes", "prezes", "dyrektor",
                  "dyrektorka", "założyciel", "założycielka", "współzałożyciel", "ceo", "autor", "autorka",
                  "konsultant", "konsultantka", "specjalista", "specjalistka", "psycholog", "redaktor",
                  "właściciel", "właścicielka", "szef", "szefowa", "menedżer", "analityk", "bloger", "blogerka",
                  "rzecznik", "kierownik", "kierowniczka")
# Nouns right before a name that make it an organisation or brand: "firma X", "marka X".
EXAMPLE_ORG_NOUNS = ("firma", "firmy", "firmą", "firmie", "marka", "marki", "marką", "producent*", "agencja",
                     "agencji", "agencję", "sieć", "sieci", "spółka", "spółki", "organizacja", "organizacji",
                     "konkurent*", "sklep", "sklepu", "startup", "bank", "banku", "portal", "serwis", "koncern*",
                     "gigant")
# Organisation words at the end or start of a capitalised name: "Instytut X", "X Polska".
EXAMPLE_ORG_SUFFIXES = ("instytut", "uniwersytet", "fundacja", "grupa", "polska", "agencja") + shared.ORG_SUFFIXES
# Places: never a cited name by themselves, but part of one ("Google Polska").
EXAMPLE_PLACES = ("polska", "polski", "polsce", "polskę", "polską", "polacy", "polaków", "polakom", "europa",
                  "europie", "europy", "ameryka", "ameryce", "ameryki", "usa", "stany zjednoczone", "stanach",
                  "warszawa", "warszawie", "warszawy", "kraków", "krakowie", "wrocław", "wrocławiu", "poznań",
                  "poznaniu", "gdańsk", "gdańsku", "łódź", "łodzi", "niemcy", "niemczech", "chiny", "chinach",
                  "wielka brytania", "wielkiej brytanii")
# Counted words after a multiplier that make it a frequency ("3 razy w tygodniu"), not a statistic.
STAT_FREQUENCY_WORDS = ("dziennie", "tygodniowo", "miesięcznie", "rocznie", "w tygodniu", "w miesiącu", "w roku",
                        "na dzień", "na tydzień", "na miesiąc", "na rok", "dziennie", "w ciągu dnia",
                        "w ciągu tygodnia", "każdego dnia", "każdego tygodnia")
# Things a business counts: a count of them is a figure ("866 zamówień", "zamówienia: 1379", "30 osób").
STAT_COUNT_NOUNS = ("klient*", "użytkownik*", "zamówie*", "osób", "osoby", "ludzi", "odwiedzin", "odwiedzający*",
                    "egzemplarz*", "subskrybent*", "obserwując*", "pracownik*", "kupując*", "czytelnik*",
                    "transakcj*", "respondent*", "uczestnik*", "fanów")
# Capitalised words that are never a cited name (pronouns, months, generic nouns at a sentence start).
EXAMPLE_STOP = ("ty", "ci", "cię", "ciebie", "tobie", "tobą", "twój", "twoja", "twoje", "twojej", "twoich",
                "twoim", "twoją", "twojego", "twoimi", "twoi", "wy", "was", "wasz", "wasza", "wasze", "państwo",
                "pan", "pani", "on", "ona", "ono", "oni", "one", "jego", "jej", "ich", "ja", "my", "mnie", "nas",
                "nam", "to", "ten", "ta", "te", "tym", "tego", "tej", "i", "a", "w", "z", "na", "do", "o",
                "internet", "internecie", "internetu", "sieć", "styczeń", "luty", "marzec", "kwiecień", "maj",
                "czerwiec", "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień",
                "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela", "ludzie",
                "klienci", "konsumenci", "eksperci", "użytkownicy", "badania", "badanie", "wiele", "wielu",
                "niektórzy", "firmy", "firma", "marketerzy", "marka", "marki", "dane", "statystyki", "mit",
                "mity", "wskazówka", "porada", "zdjęcie", "źródło", "tak", "nie", "ok",
                # function words that start sentences
                "ale", "albo", "bo", "by", "czy", "dla", "dlatego", "gdy", "gdzie", "jak", "jako", "jednak",
                "jest", "kiedy", "każdy", "każda", "każde", "który", "która", "które", "lub", "mimo", "może",
                "oraz", "od", "po", "pod", "ponieważ", "przed", "przez", "przy", "również", "również", "się",
                "tak", "także", "też", "tu", "tutaj", "tylko", "u", "więc", "właśnie", "za", "ze", "że", "żeby",
                "co", "kto", "jaki", "jaka", "jakie", "dlaczego", "teraz", "dziś", "dzisiaj", "pierwszy",
                "drugi", "trzeci", "ostatni", "według", "zdaniem", "np", "oto", "dzięki", "chociaż", "choć",
                "jeśli", "jeżeli", "wtedy", "potem", "następnie", "wreszcie", "ostatecznie")
# Platforms named as channels (never a cited example): the international ones and local ones.
EXAMPLE_PLATFORMS = shared.PLATFORMS + ("wykop", "nk")
# Generic acronyms: terms, not names.
EXAMPLE_GENERIC_ACRONYMS = shared.GENERIC_ACRONYMS + ("rodo",)
# Lower-case words inside one name, and particles that join only a last surname.
EXAMPLE_NAME_CONNECTORS = shared.NAME_CONNECTORS
EXAMPLE_NAME_PARTICLES = shared.NAME_PARTICLES
# Words joining names in a list ("M & Ms, Snickers ... Mars").
EXAMPLE_CONJUNCTIONS = ("i", "oraz", "lub", "a także") + shared.CONJUNCTIONS
# Inflectional endings: a capitalised word is a common one when the text writes it in lower
# case with one of these endings.
EXAMPLE_WORD_ENDINGS = ("a", "e", "i", "o", "u", "y", "em", "ie", "om", "ów", "ach", "ami", "owi", "ze", "ej", "ym", "ego") + shared.WORD_ENDINGS
# Possessives before a noun ("ich Ściągawka", "Twój Menedżer"): a possessed thing is no cited name.
EXAMPLE_POSSESSIVES = ("twój", "twoja", "twoje", "twojego", "twojej", "twoim", "twoją", "wasz", "wasza", "wasze",
                       "nasz", "nasza", "nasze", "naszej", "naszym", "mój", "moja", "moje", "mojej", "ich", "jego",
                       "jej", "swój", "swoja", "swoje", "swojej", "swoim", "swoją", "swojego")
