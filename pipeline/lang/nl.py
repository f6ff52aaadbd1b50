"""Dutch language data: plain constants, no logic.

Sections (each owned by one stage; keep them apart):
  de-noise     artefact patterns removed by the denoise stage
  numbers      number words and conventions used by pipeline.numbers
  extraction   cue words for myths, tips, statistics and examples
"""
from pipeline.lang import shared

CODE = "nl"
NAME = "Dutch"
# Other codes the language identifier gives for this language's text: none.
LANGID_ALIASES = ()
# Lower-case letters beyond a-z (accents and diaereses (één, ideeën, café)); the upper-case forms follow.
LETTERS = "àâäçèéêëîïôöü"

# --- de-noise ---------------------------------------------------------------
AUTHOR_PLACEHOLDERS = ("Anoniem", "Anonim", "Admin", "Redactie")
AUTHOR_LINE_CUES = ("Door", "Auteur", "Geschreven door")
COMMENT_WORDS = ("Opmerkingen", "Opmerking", "Reacties", "Reactie")
TOC_LABELS = ("Inhoudsopgave", "Inhoud")
BIO_PREFIXES = ("Over de auteur", "Over de schrijver", "Over mij")
CREDIT_WORDS = ("Foto", "Afbeelding", "Beeld", "van", "via", "door")
AD_CALLS = ("KLIK HIER", "SCHRIJF JE IN", "Klik hier om", "Meld je nu aan")
AD_CUES = ("training", "cursus", "webinar", "schrijf je in", "meld je aan", "korting", "live")
# A closing list of SEO keywords or tags under one of these labels.
KEYWORD_LABELS = ("Trefwoorden", "Zoekwoorden", "Tags")

# Page furniture, read by pipeline/denoising/furniture.py (lower case; a line that starts with
# one of these and is short is furniture: share boxes, related posts, "read also", tags, comment
# forms, author boxes, republication notices, copyright and cookie notices). Phrases chosen so that
# no sentence of an article starts with them ("bagikan artikel", not "bagikan").
FURNITURE_CUES = ("deel dit artikel", "deel dit bericht", "deel deze pagina", "deel deze post", "deel:", "delen:",
                  "gerelateerde artikelen", "gerelateerde berichten", "gerelateerde posts", "gerelateerd:",
                  "lees ook", "lees meer", "lees verder", "bekijk alle", "alle berichten", "recente berichten",
                  "laatste berichten", "meer berichten", "meer artikelen", "laat een reactie achter",
                  "plaats een reactie", "schrijf je in voor", "inschrijven voor de nieuwsbrief", "tags:",
                  "categorie:", "categorieën:", "geplaatst in", "over de auteur", "over de schrijver",
                  "dit artikel is reeds verschenen", "dit artikel verscheen", "dit artikel is eerder verschenen",
                  "dit artikel is eerder gepubliceerd", "eerder gepubliceerd op", "alle rechten voorbehouden",
                  "deze website maakt gebruik van cookies", "deze website gebruikt cookies")
# Calls to action: furniture only in the closing lines, after the last paragraph of text.
CALL_TO_ACTION_CUES = ("neem contact op", "neem contact met ons op", "neem gerust contact", "bel ons", "mail ons",
                       "vraag een offerte", "plan een gesprek", "maak een afspraak", "wij helpen je graag",
                       "wij helpen u graag", "stuur ons een")
# Company registration labels followed by a number: footer lines.
REGISTRATION_LABELS = ("KvK", "KVK", "BTW", "BTW-nummer", "BTW-nr", "IBAN")
# Navigation and legal link words: a line made only of these (two or more) is a menu or a footer.
NAV_WORDS = ("home", "contact", "over ons", "over mij", "blog", "menu", "diensten", "portfolio", "vacatures",
             "werkwijze", "inloggen", "zoeken", "privacyverklaring", "privacybeleid", "privacy statement",
             "cookiebeleid", "cookieverklaring", "cookies", "algemene voorwaarden", "voorwaarden", "disclaimer",
             "sitemap")
# jusText's stoplist for stopword density (justext.get_stoplist).
JUSTEXT_STOPLIST = "Dutch"

# --- numbers ----------------------------------------------------------------
# Read by pipeline/numbers.py. Words are lower case; a word ending in "*" matches any word
# that starts with it; a space matches any run of spaces.
# Digits: "2.000" = 2000, "2,5" = 2.5, "1.234,56".
DECIMAL_SEP = ","
THOUSANDS_SEP = (".",)
# Number words; Dutch glues them into one word, split by pipeline.numbers:
# "vijfentwintig" = vijf + en + twintig, "tweehonderd" = twee x honderd, "drieduizend".
NUMBER_WORDS = {"nul": 0, "een": 1, "één": 1, "eén": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
                "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "elf": 11, "twaalf": 12, "dertien": 13,
                "veertien": 14, "vijftien": 15, "zestien": 16, "zeventien": 17, "achttien": 18,
                "negentien": 19, "twintig": 20, "dertig": 30, "veertig": 40, "vijftig": 50, "zestig": 60,
                "zeventig": 70, "tachtig": 80, "negentig": 90}
# Multiply the unit before them: "tweehonderd" = 200 ("honderd" alone = 100).
NUMBER_SCALES = {"honderd": 100}
NUMBER_TEENS = {}
NUMBER_ONE_PREFIXES = ()
# Glue between unit and tens: "vijfentwintig" = 25, "tweeëntwintig" = 22.
NUMBER_JOINERS = ("en", "ën")
# "een" is mostly the article "a": a quantity only with a magnitude, unit or proportion.
WEAK_NUMBER_WORDS = ("een", "één", "eén")
MAGNITUDE_WORDS = {"duizend": 1e3, "miljoen": 1e6, "mln": 1e6, "mln.": 1e6, "miljard": 1e9, "mld": 1e9,
                   "mrd": 1e9, "biljoen": 1e12}
# Magnitudes that mean "one ..." alone ("duizend euro", "honderdvijftig").
BARE_MAGNITUDE_WORDS = ("honderd", "duizend", "miljoen", "miljard")
# Words that are a fraction by themselves.
FRACTION_WORDS = {"de helft": 0.5}
# Denominators after a numerator: "twee derde" = 2/3, "drie kwart" = 3/4, "driekwart".
DENOMINATOR_WORDS = {"derde": 3, "derden": 3, "kwart": 4, "vierde": 4, "vierden": 4, "vijfde": 5,
                     "vijfden": 5, "tiende": 10, "tienden": 10}
# "een derde" is a fraction only before these ("een derde van ..."); otherwise "a third ...".
FRACTION_OF_WORDS = ("van", "der")
# After a number: a percentage ("%" is shared); "procent", "procentpunt".
PERCENT_WORDS = ("procent*", "pct.", "pct")
# After a number: a multiplier ("drie keer", "3 maal"; "3x" is shared).
MULTIPLIER_WORDS = ("keer", "maal")
# Words that are a multiplier by themselves.
MULTIPLIER_NUMBER_WORDS = {"tweemaal": 2, "driemaal": 3, "viermaal": 4, "vijfmaal": 5, "tienmaal": 10,
                           "verdubbel*": 2, "verdrievoudig*": 3, "dubbel zoveel": 2, "dubbel zo veel": 2}
# "X op de Y", "X van de Y": a proportion ("één op de drie" = 33.3 %).
PROPORTION_WORDS = ("op de", "op", "van de", "uit")
# (opener before X, joiner between X and Y) of a range; "" = no opener needed.
RANGE_WORDS = (("", "tot"), ("", "à"), ("tussen", "en"), ("van", "tot"), ("vanaf", "tot"))
# After a number: its currency ("$", "€", "£" and ISO codes are shared).
CURRENCY_WORDS = {"euro": "EUR", "euro's": "EUR", "dollar*": "USD", "pond": "GBP"}
# Before a number: its currency.
CURRENCY_PREFIXES = {"eur": "EUR", "fl.": "NLG"}
# Words before a year ("sinds 2012", "anno 2014").
YEAR_CUES = ("in", "sinds", "anno", "begin", "eind", "medio", "jaar")
YEAR_SUFFIXES = ()
# A day number next to these is a date ("18 september").
MONTH_NAMES = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
               "oktober", "november", "december") + shared.MONTH_NAMES
# After a number: a duration, not a count ("2 uur", "drie maanden").
TIME_UNIT_WORDS = ("seconde*", "minuut", "minuten", "uur", "uren", "dag", "dagen", "week", "weken", "maand*",
                   "jaar", "jaren", "kwartier")
# Before a number: a list label, not a quantity ("Stap 2", "deel 1").
LABEL_WORDS = ("stap", "tip", "deel", "hoofdstuk", "mythe", "punt", "nr", "nr.", "nummer", "regel", "vraag",
               "antwoord", "les", "fout", "week")
# After a number: words that show it counts nothing ("stap 2 en ...").
COUNT_STOP_WORDS = ("en", "of", "in", "op", "van", "de", "het", "een", "is", "zijn", "voor", "met", "aan",
                    "te", "tot", "dat", "die", "om", "bij", "als", "uit", "naar", "door", "was", "werd",
                    "heeft", "hebben")

# --- extraction -------------------------------------------------------------
# myths and tips (MYTH_/TIP_ constants; read by pipeline/extract/myths.py and tips.py).
# Cue phrases are lower case, one token per word; a word ending in "*" matches any
# token that starts with it.
# Words that name a myth or misconception: in a title or an intro they announce a list of them.
MYTH_CUES = ("mythe", "mythes", "mythen", "misvatting", "misvattingen", "fabel", "fabels", "fabeltje",
             "fabeltjes", "misverstand", "misverstanden", "broodjeaapverhaal", "broodjeaapverhalen",
             "vooroordeel", "vooroordelen", "hardnekkige gedachte")
# Fears and objections: announce quoted claims that the article answers.
MYTH_WEAK_CUES = ("angst", "angsten", "bezwaar", "bezwaren", "excuus", "excuses", "smoesje", "smoesjes",
                  "smoezen", "drempel", "drempels")
# Labels of myth headings ("Mythe 1: ...").
MYTH_LABELS = ("mythe", "fabel", "misvatting", "misverstand")
# "that", after a myth cue in a sentence: "Een hardnekkige mythe is dat <claim>".
MYTH_THAT = ("dat",)
# Belief verbs: with a mistake cue and "that" they state a misconception
# ("De fout maken te denken dat ...").
MYTH_BELIEF_CUES = ("denken", "denkt", "denk", "geloven", "gelooft", "aannemen", "aanname", "veronderstellen",
                    "ervan uitgaan", "ervan uit")
# Headings that close a list rather than belong to it.
MYTH_SKIP_HEADINGS = ("conclusie", "tot slot", "samenvatting", "faq", "bronnen", "bron")
# Labels of tip headings ("Tip 3: ...").
TIP_LABELS = ("tip", "stap", "advies", "regel")
# Words announcing advice: "Hier zijn enkele tips:", "7 tips voor ...".
TIP_INTRO_CUES = ("tip", "tips", "advies", "adviezen", "ideeën", "stap", "stappen", "manier*", "suggesti*",
                  "aanbeveling*", "aanraders", "vuistregels", "regels", "do's", "wat je moet doen", "moet je doen")
# Words announcing a list of mistakes: its headings describe what not to do.
TIP_MISTAKE_CUES = ("fout", "fouten", "valkuil", "valkuilen", "blunder", "blunders", "missers")
# Imperative verbs that start advice ("Zorg ...", "Begin met ...", "Probeer ...").
TIP_IMPERATIVES = ("maak", "gebruik", "zorg", "begin", "bereid", "probeer", "kies", "denk", "vergeet", "neem",
                   "stel", "geef", "kijk", "let", "houd", "hou", "blijf", "investeer", "reageer", "vermijd",
                   "plaats", "deel", "schrijf", "lees", "bel", "vraag", "zet", "ga", "zoek", "check",
                   "controleer", "test", "meet", "volg", "wees", "laat", "bedenk", "selecteer", "wacht",
                   "werk", "bouw", "creëer", "bied", "toon", "luister", "betrek", "focus", "richt", "start",
                   "publiceer", "beantwoord", "herhaal", "analyseer", "evalueer", "verwerk", "definieer",
                   "bepaal", "formuleer", "onderzoek", "ontdek", "leer", "durf", "hanteer", "communiceer",
                   "vermeld", "voeg", "noem", "besteed", "doe", "los", "zie", "verbind", "optimaliseer",
                   "personaliseer", "monitor", "spreek", "benader", "beloon", "bedank", "help", "pas",
                   "schakel", "reserveer", "plan", "kom", "vertel", "toets", "verzamel", "benut", "vind",
                   "vergelijk")
# Imperative endings: Dutch imperatives are verb stems without a regular ending.
TIP_IMPERATIVE_SUFFIXES = ()
TIP_IMPERATIVE_NOT = ()
TIP_IMPERATIVE_NOT_PREFIXES = ()
# A word after the verb that shows it is a noun ("Begin van ...", "Plan is ...").
TIP_NOT_NEXT = ("is", "was", "van", "wordt", "werd", "zijn", "heeft", "had")
# Words that may come before the imperative ("Dus ...", "Maar denk eraan ...").
TIP_LEAD_WORDS = ("dus", "en", "maar", "daarom", "vooral", "altijd", "eerst", "tot slot", "kortom",
                  "verder", "ten slotte", "nu", "dan", "vervolgens", "bovendien", "daarnaast", "kortweg")
# Conditional openers: "Als je ..., zorg dan ..." is advice in its main clause.
TIP_CONDITIONALS = ("als", "wanneer", "indien", "zodra", "mocht")
# After a conditional clause the verb comes before its subject: "..., maak je ..." is a statement.
TIP_CONDITIONAL_SUBJECTS = ("je", "jij", "u")
# Modal and advice phrases anywhere in a sentence ("Je moet ...", "Zorg ervoor ...", "ik raad je aan").
TIP_MODALS = ("moet", "moeten", "zou moeten", "zouden moeten", "is het verstandig", "het is verstandig",
              "is het belangrijk", "het is belangrijk", "raad je aan", "raad ik aan", "raad ik je aan",
              "raad u aan", "aan te raden", "je het beste", "u het beste", "probeer", "zorg ervoor",
              "zorg dat", "vergeet niet", "denk eraan", "is het slim", "het is slim", "het is beter om",
              "beter is het om", "is het beter om", "kun je beter", "je kunt beter", "kunt u beter")
# A negation right before a modal cancels it.
TIP_MODAL_NEGATIONS = ()
# Reader calls to action and requests to the author: not advice ("Laat een reactie achter").
TIP_NOT_CUES = ("laat een reactie", "reactie achter", "reacties hieronder", "laat het me weten",
                "laat het ons weten", "laat me weten", "klik hier", "schrijf je in", "abonneer", "lees ook",
                "lees meer", "neem contact met ons op", "deel dit", "dit artikel", "deze blog", "dit bericht",
                "zie hierboven", "zie het hierboven", "zie hieronder", "zie ook", "meer weten",
                "contact met ons", "lees het hier", "lees hier")
# First-person pronouns: an imperative aimed at the author ("Laat me weten") is no advice.
TIP_FIRST_PERSON = ("me", "mij", "ons")
# A sentence ending in ":" with these words announces a list ("Hier zijn de punten:"): not a tip itself.
TIP_ANNOUNCE_CUES = ("volgende", "hieronder", "hier zijn", "hier volgen", "zoals")
# Subject pronouns right after a sentence-initial verb make it a statement ("Daarom zet ik ..."),
# not an imperative ("Zet ...").
TIP_SUBJECTS = ("ik", "we", "wij", "ze", "zij", "hij", "men", "jullie")
# The reader addressed: a feature of advice (the sentence classifier, pipeline/extract/sentence_model.py).
TIP_SECOND_PERSON = ("je", "jij", "jou", "jouw", "u", "uw", "jullie", "jezelf", "uzelf")
# The author speaking of themselves: a story or an opinion rather than advice.
TIP_NARRATOR_WORDS = ("ik", "mijn", "wij", "we", "onze", "mezelf")
# Softer advice anywhere in a sentence ("Het beste is ...", "Een andere tip ...").
TIP_ADVICE_CUES = ("het beste", "beter", "belangrijk", "het is belangrijk", "tip", "tips", "advies", "aan te raden",
                   "raad ik", "handig", "verstandig", "slim", "zorg", "let op", "vergeet niet", "probeer")
# Openings that look imperative but are not: "Stel dat ..." (suppose), "Stel je voor ..." (imagine).
TIP_NOT_OPENERS = ("stel dat", "stel je voor", "neem nou", "zeg maar")
# After a lead word a subject right after the verb is inversion (verb second), a statement:
# "Daarnaast vind je ...", "Maar kijk je ..."; at the start, "Richt je op ..." is an imperative.
TIP_INVERSION_SUBJECTS = ("je", "jij", "u", "we", "wij", "ze", "zij", "ik", "hij", "men")
# Questions that suggest: "Waarom niet ...?", "Waarom zou je niet ...?"
TIP_SUGGESTION_QUESTIONS = ("waarom niet", "waarom zou je niet", "waarom zou u niet", "wat dacht je van")
# A claim said to be widely held, which myths state ("Veel mensen denken ...").
MYTH_POPULAR_CUES = ("veel mensen", "vele mensen", "de meeste mensen", "men denkt", "men zegt", "vaak gedacht",
                     "algemeen aangenomen", "wordt vaak gedacht", "wordt gezegd", "denken vaak", "zien vaak",
                     "vaak gezien als", "veel bedrijven", "veel ondernemers", "veel marketeers", "het idee",
                     "het beeld", "de gedachte", "de overtuiging", "hardnekkig", "vaak als", "vaak gezien")
# A claim rejected by the sentences after it ("Dat klopt niet.", "Niets is minder waar.").
MYTH_REBUTTAL_CUES = ("niet waar", "klopt niet", "onwaar", "onjuist", "niets is minder waar", "in werkelijkheid",
                      "terwijl", "niet de juiste", "fabel", "misvatting",
                      "niet per se", "helemaal niet", "juist niet", "toch echt", "onzin", "integendeel",
                      # disagreement and dismissal in general words
                      "niet mee eens", "niet eens met", "oneens", "klopt geen hout", "slaat nergens op", "misleidend*", "allesbehalve", "geenszins")
# Absolutes: misconceptions overgeneralise ("Social media is alleen voor jongeren", "altijd duur").
MYTH_ABSOLUTE_CUES = ("alleen", "enkel", "altijd", "nooit", "iedereen", "niemand", "zeker", "vanzelf", "automatisch",
                      "onmogelijk")
# Right before a popular cue the many are counted, not holding a claim: "voor veel mensen", "steeds meer".
MYTH_POPULAR_NOT_AFTER = ("voor", "steeds", "door", "bij")
# Contrast markers opening a sentence: what it says turns against the sentence before it ("Maar ...",
# "Eigenlijk ..."); weaker than a rejection, a feature of the claim before them.
MYTH_CONTRAST_CUES = ("maar", "echter", "eigenlijk", "in feite", "in werkelijkheid", "in de praktijk",
                      "de waarheid is", "toch")
# statistics and cited examples (STAT_/EXAMPLE_ constants; read by pipeline/extract/statistics.py
# and examples.py). Lower case; a word ending in "*" matches any token that starts with it.
# "Volgens X, ...": the name after these words is the source of a statistic or a quoted expert.
STAT_SOURCE_PREPS = ("volgens", "aldus", "bron", "blijkens", "naar aanleiding van")
# Words naming a study or data set: "onderzoek van X", "Een nieuwe studie van X".
STAT_STUDY_CUES = ("*onderzoek*", "studie*", "enquête*", "rapport*", "peiling*", "statistiek*", "cijfers", "analyse*",
                   "data", "survey", "infographic*", "meting*")
# "onderzoek van X", "uitgevoerd door X": the agent of a study.
STAT_AGENT_PREPS = ("van", "door")
# "X concludeert dat ...": a source reporting a finding.
STAT_FINDING_VERBS = ("blijkt", "bleek", "toont aan", "toonde aan", "laat zien", "liet zien", "vond", "vindt",
                      "ontdekte", "concludeert", "concludeerde", "meldt", "meldde", "rapporteert", "schat", "stelt")
# Before a quantity, these words make it a hypothetical or an instruction, not a fact.
STAT_HYPOTHETICAL = ("als je", "als jij", "als u", "als we", "als wij", "als jouw", "als uw", "stel", "stel dat",
                     "indien", "mocht", "zeg dat", "stel je voor", "zelfs als", "probeer", "neem aan")
# Labels of a closing list of sources ("Bronnen:"); its one study is the source of unattributed statistics.
STAT_SOURCE_LIST_LABELS = ("bronnen", "bron", "bronvermelding", "literatuur", "referenties", "literatuurlijst") + shared.SOURCE_LIST_LABELS
# Right before a quantity: an offer or a limit, not a fact ("korting van 20%", "maximaal 3x").
STAT_NOT_CUES = ("korting", "kortingen", "maximaal", "minimaal", "hooguit", "ten minste", "minstens",
                 "niet meer dan", "streef", "doel", "doelstelling", "actie", "bespaar")
# Verbs of saying and writing: "X zegt", "aldus X".
EXAMPLE_REPORT_VERBS = ("zegt", "zei", "zeggen", "schrijft", "schreef", "stelt", "stelde", "vertelt", "vertelde",
                        "meldt", "meldde", "legt uit", "aldus", "concludeert", "concludeerde", "adviseert",
                        "raadt aan", "merkt op", "benadrukt", "beschrijft", "laat zien", "liet zien", "toont aan",
                        "ontdekte", "rapporteert", "deelt", "deelde", "geeft aan", "beweert", "waarschuwt",
                        "erkent", "antwoordt", "antwoordde", "noemt", "citeert")
# Words that announce an example or a case: "bijvoorbeeld", "een mooi voorbeeld".
EXAMPLE_CUES = ("bijvoorbeeld", "voorbeeld*", "case", "cases", "casus", "casestud*", "case study")
# "zoals X": an example when the name follows at once.
EXAMPLE_SUCH_AS = ("zoals", "waaronder", "onder andere", "o.a")
# Person titles and roles before (or after a comma behind) a name.
EXAMPLE_TITLES = ("dr", "prof", "professor", "expert", "deskundige", "directeur", "oprichter", "medeoprichter",
                  "eigenaar", "eigenaresse", "ceo", "hoogleraar", "auteur", "schrijver", "woordvoerder",
                  "woordvoerster", "consultant", "adviseur", "psycholoog", "onderzoeker", "manager", "blogger",
                  "specialist", "hoofd", "ondernemer")
# Nouns right before a name that make it an organisation or brand: "merk X", "concurrent X".
EXAMPLE_ORG_NOUNS = ("merk", "biermerk", "kledingmerk", "bedrijf", "organisatie", "winkel", "concurrent",
                     "producent", "fabrikant", "keten", "supermarkt", "bureau", "startup", "bank", "webwinkel",
                     "slagerij", "bakkerij", "zaak", "retailer", "platform", "gigant")
# Organisation words at the end or start of a capitalised name: "Stichting X", "X Nederland".
EXAMPLE_ORG_SUFFIXES = ("stichting", "instituut", "universiteit", "groep", "nederland", "partners") + shared.ORG_SUFFIXES
# Places: never a cited name by themselves, but part of one ("Google Nederland").
EXAMPLE_PLACES = ("nederland", "nederlanders", "nederlandse", "belgië", "vlaanderen", "europa", "europese",
                  "amerika", "amerikaanse", "verenigde staten", "vs", "amsterdam", "rotterdam", "utrecht",
                  "den haag", "eindhoven", "groningen", "brussel", "antwerpen", "duitsland", "engeland",
                  "frankrijk", "china")
# Counted words after a multiplier that make it a frequency ("drie keer per week"), not a statistic.
STAT_FREQUENCY_WORDS = ("per dag", "per week", "per maand", "per jaar", "in de week", "in de maand", "per uur",
                        "daags", "per etmaal", "elke dag", "elke week", "elke maand", "dagelijks", "wekelijks",
                        "maandelijks", "jaarlijks")
# Things a business counts: a count of them is a figure ("866 bestellingen", "bestellingen: 1379").
STAT_COUNT_NOUNS = ("klant", "klanten", "gebruikers", "bezoekers", "bestellingen", "mensen", "personen", "volgers",
                    "abonnees", "exemplaren", "transacties", "medewerkers", "werknemers", "kopers", "deelnemers",
                    "respondenten", "lezers", "fans")
# Capitalised words that are never a cited name (pronouns, months, generic nouns at a sentence start).
EXAMPLE_STOP = ("u", "uw", "je", "jij", "jouw", "jullie", "hij", "zij", "ze", "wij", "we", "ik", "mij", "mijn",
                "het", "de", "een", "dit", "deze", "die", "dat", "en", "of", "in", "op", "van", "met", "internet",
                "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                "oktober", "november", "december", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag",
                "zaterdag", "zondag", "mensen", "klanten", "consumenten", "experts", "gebruikers", "onderzoek",
                "veel", "sommige", "bedrijven", "marketeers", "merken", "cijfers", "statistieken", "mythe",
                "tip", "tips", "foto", "bron",
                "ja", "nee", "oké", "ok",
                # function words that start sentences
                "aan", "al", "als", "bij", "daar", "daarom", "dan", "door", "dus", "echter", "er", "hier", "hoe",
                "maar", "na", "naar", "niet", "nog", "nu", "om", "omdat", "ook", "over", "sinds", "tegen", "toch",
                "tot", "uit", "voor", "waar", "wanneer", "wat", "welke", "wie", "waarom", "want", "zo", "zoals",
                "zonder", "zelfs", "eerst", "daarna", "vervolgens", "tenslotte", "volgens", "bijvoorbeeld",
                "iedereen", "niemand", "iemand", "alle", "elke", "ieder", "geen", "meer", "minder", "vandaag",
                "eerste", "tweede", "derde", "laatste")
# Platforms named as channels (never a cited example): the international ones and local ones.
EXAMPLE_PLATFORMS = shared.PLATFORMS + ("hyves",)
# Generic acronyms: terms, not names.
EXAMPLE_GENERIC_ACRONYMS = shared.GENERIC_ACRONYMS + ("avg",)
# Lower-case words inside one name, and particles that join only a last surname.
EXAMPLE_NAME_CONNECTORS = shared.NAME_CONNECTORS
EXAMPLE_NAME_PARTICLES = shared.NAME_PARTICLES
# Words joining names in a list ("M & Ms, Snickers ... Mars").
EXAMPLE_CONJUNCTIONS = ("en", "of") + shared.CONJUNCTIONS
# Inflectional endings: a capitalised word is a common one when the text writes it in lower
# case with one of these endings.
EXAMPLE_WORD_ENDINGS = ("e", "en", "s") + shared.WORD_ENDINGS
# Possessives before a noun ("je Community Manager", "onze Webshop"): a possessed thing is no cited name.
EXAMPLE_POSSESSIVES = ("je", "jouw", "uw", "onze", "ons", "mijn", "hun", "zijn", "haar", "jullie")
