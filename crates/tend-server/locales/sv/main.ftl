# Tends gränssnittstexter, svenska. Håll varje nyckel i takt med ../en/main.ftl
# (ett test fallerar när en nyckel bara finns på ett språk).

## Navigation och layout
nav-workspaces = Arbetsytor
nav-inbox = Inkorg
nav-tokens = API-nycklar
nav-switch-language = English
nav-logout = Logga ut
no-workspaces = Du är inte med i någon arbetsyta ännu. Be en administratör lägga till dig.

## Kortkommandon
help-title = Kortkommandon
help-move = Nästa / föregående konversation
help-open = Öppna konversationen
help-done = Markera som klar
help-assign = Tilldela
help-tag = Tagga
help-reply = Svara
help-search = Sök
help-help = Visa eller dölj hjälpen

## Fel
error-home = Tillbaka till startsidan
error-not_found = Hittades inte
error-unauthorized = Logga in först
error-forbidden = Inte tillåtet
error-bad_request = Något i förfrågan stämmer inte
error-conflict = Det krockar med en ändring som gjorts under tiden
error-unprocessable = Det går inte att göra som det är nu
error-internal = Något gick fel hos oss

## Inloggning
login-title = Logga in i Tend
login-email = E-post
login-password = Lösenord
login-submit = Logga in
login-failed = Fel e-post eller lösenord.
login-too-many = För många misslyckade försök. Vänta 15 minuter och försök igen.

## API-nycklar
tokens-title = API-nycklar
tokens-intro = Med nycklar kan skript använda JSON-API:t med dina roller. Skicka en som "Authorization: Bearer <nyckel>".
tokens-copy-now = Kopiera nyckeln nu; den visas inte igen:
tokens-name = Namn
tokens-create = Skapa nyckel
tokens-prefix = Börjar med
tokens-created = Skapad
tokens-last-used = Senast använd
tokens-revoked = Återkallad
tokens-revoke = Återkalla

## Inkorg
inbox-title = Inkorg
inbox-status = Status
inbox-empty = Inget här. Tom inkorg!
inbox-select = Markera
inbox-older = Äldre konversationer
inbox-showing =
    { $count ->
        [one] Visar { $n } konversation
       *[other] Visar { $n } konversationer
    }
filter-search = Sök
filter-channel = Kanal
filter-tag = Tagg
filter-sentiment = Sentiment
filter-assignee = Tilldelad
filter-assignee-me = Mig
filter-assignee-none = Ingen
filter-question = Fråga
filter-toxic = Toxisk
filter-language = Språk
filter-from = Från
filter-to = Till
filter-apply = Filtrera
filter-yes = Ja
filter-no = Nej

## Åtgärder
action-done = Klar
action-reopen = Öppna igen
action-tag = Tagga
action-untag = Ta bort taggen
action-assign = Tilldela
action-snooze = Snooza
action-snooze-until = Snooza till
action-correct-sentiment = Sentimentet är:

## Lägen och etiketter
state-open = Öppen
state-done = Klar
state-snoozed = Snoozad
state-archived = Arkiverad
state-all = Alla
sentiment-positive = Positiv
sentiment-neutral = Neutral
sentiment-negative = Negativ
signal-question = Fråga
signal-toxic = Toxisk
signal-corrected = korrigerad
signal-score = poäng { $value }
signal-toxicity = toxicitet { $value }
signal-spam = spam { $value }
signal-explanation = Varför detta sentiment?
someone = Någon

## Konversation
conversation-title = Konversation
conversation-snoozed-until = till { $when }
conversation-permalink = Öppna på plattformen
conversation-edited = redigerat på nätverket
conversation-removed = raderat på nätverket
conversation-tags = Taggar
author-title = Författare
author-followers = { $n } följare
author-profile = Profil
author-also = Även känd som:
author-earlier = Tidigare konversationer
author-no-earlier = Inga ännu.
notes-title = Interna anteckningar
notes-placeholder = Skriv en anteckning; @namn nämner en kollega
notes-add = Lägg till anteckning
outbox-title = Svar
outbox-queued = i kö
outbox-sending = skickas
outbox-sent = skickat
outbox-failed = misslyckades
outbox-unknown = okänt utfall (kontrolleras med nätverket)
outbox-cancelled = avbrutet
outbox-cancel = Avbryt
outbox-retry = Försök igen
outbox-view = Visa på nätverket
outbox-network-id = Nätverkets id: { $id }
outbox-reason = Orsak: { $reason }
history-title = Historik
event-state = satte status till
event-assigned = tilldelade till
event-tagged = taggade
event-untagged = tog bort taggen
event-sentiment_corrected = korrigerade sentimentet till
event-reply_queued = köade ett svar
event-noted = lade till en anteckning

## Svarsruta
reply-label = Svar
reply-queue = Köa svaret
reply-empty = Svaret är tomt.
reply-too-long = Svaret är för långt för det här nätverket ({ $detail }).
reply-too-many-hashtags = För många hashtaggar för det här nätverket ({ $detail }).
reply-invalid-characters = Svaret innehåller tecken som nätverket inte tar emot.

## Plattformar (författarkortet)
platform-x = X
platform-facebook = Facebook
platform-instagram = Instagram
platform-linkedin = LinkedIn
platform-tiktok = TikTok
platform-youtube = YouTube
platform-threads = Threads
platform-reddit = Reddit
platform-discourse = Discourse
platform-stackexchange = Stack Exchange
platform-quora = Quora
platform-discord = Discord
platform-slack = Slack
platform-matrix = Matrix
platform-telegram = Telegram
platform-mastodon = Mastodon
platform-bluesky = Bluesky
platform-email = E-post
platform-rss = RSS
platform-reviews = Recensioner
platform-ideas = Idéer
platform-other = Annat

## Månader (korta)
month-1 = jan.
month-2 = feb.
month-3 = mars
month-4 = apr.
month-5 = maj
month-6 = juni
month-7 = juli
month-8 = aug.
month-9 = sep.
month-10 = okt.
month-11 = nov.
month-12 = dec.

## First response (business time against the workspace's target)
filter-sort = Ordning
sort-newest = Nyast först
sort-oldest = Längst väntan först
response-answered = Besvarad på { $time }
response-waiting = Väntar sedan { $time }
duration-minutes = { $m } min
duration-hours = { $h } tim { $m } min

## API reference
api-docs-title = API-referens
api-docs-spec = OpenAPI-dokument (JSON)
api-docs-contents = Innehåll
api-docs-schemas = Scheman
api-docs-security = Autentisering
api-docs-parameters = Parametrar
api-docs-request-body = Anropets innehåll
api-docs-responses = Svar
api-docs-required = obligatorisk
nav-api = API

## Live updates
live-new = nya — visa

## Sentimentförklaring (VADER-spår), en rad per steg
explain-compound = Sammanlagt värde { $compound } (positivt { $pos }, neutralt { $neu }, negativt { $neg })
explain-emoji = Emojin { $emoji } läses som ”{ $description }”
explain-token = ”{ $token }” { $valence }: lexikon { $lexicon }
explain-token-unknown = ”{ $token }” { $valence }: finns inte i lexikonet
explain-rule-determiner = används som bestämningsord före ”{ $trigger }” ({ $before } → { $after })
explain-rule-negated = negerat av ”{ $trigger }” ({ $before } → { $after })
explain-rule-caps = versaler betonar ”{ $trigger }” ({ $before } → { $after })
explain-rule-booster = förstärkt av ”{ $trigger }” ({ $before } → { $after })
explain-rule-dampener = försvagat av ”{ $trigger }” ({ $before } → { $after })
explain-rule-emphasis = betonat av ”{ $trigger }” ({ $before } → { $after })
explain-rule-idiom = idiom ”{ $trigger }” ({ $before } → { $after })
explain-rule-but-before = före ”{ $trigger }” väger mindre ({ $before } → { $after })
explain-rule-but-after = efter ”{ $trigger }” väger mer ({ $before } → { $after })
explain-punctuation = Skiljeteckensbetoning { $amplifier } ({ $exclamations } ”!”, { $questions } ”?”) drar summan bort från 0
explain-sum = Ordens summa { $sum }, med betoning { $total }; sammanlagt värde = x / √(x² + 15)

## Moderering: granskningskö, regler, riktlinjer
nav-review = Granskningskö
nav-rules = Regler
help-select = Markera / avmarkera
review-title = Granskningskö
review-open = Öppna
review-decided = Avgjorda
review-empty = Inget att granska.
review-none-decided = Inget avgjort ännu.
review-select = Markera för beslut
review-rule = { $name } · v{ $version } · regel { $index }
review-rule-teammate = Anmäld av en kollega
review-reason = Skäl: { $reason }
review-escalated = Eskalerad
review-decided-by = { $who } · { $when }
review-action-approve = Godkänn
review-action-remove = Ta bort
review-action-hide = Dölj
review-action-ban = Stäng av författaren
review-action-escalate = Eskalera
review-status-pending = Väntar
review-status-approved = Godkänd
review-status-removed = Borttagen
review-status-hidden = Dold
review-status-banned = Författaren avstängd
review-status-escalated = Eskalerad
rules-title = Regler
rules-saved = Sparad som ny version. Den gäller inte förrän du aktiverar den.
rules-errors = Reglerna går inte att läsa in:
rules-editor = Regler (YAML)
rules-save = Spara som ny version
rules-dry-run = Testkörning (senaste 30 dagarna)
rules-dry-title = Testkörning: de senaste 30 dagarna
rules-dry-summary = { $matched } av { $scanned } meddelanden träffades av minst en regel.
rules-place = regel { $index } · dokument { $document }, rad { $line }
rules-col-rule = Regel
rules-col-hits = Träffar
rules-col-actions = Åtgärder
rules-col-samples = Exempel
rules-col-notes = Anmärkningar
rules-col-version = Version
rules-col-saved = Sparad
rules-col-live = Aktiv
rules-versions = Versioner
rules-no-versions = Inga regler sparade ännu.
rules-live-since = Aktiv sedan { $from }
rules-live-was = Aktiv { $from } – { $until }
rules-draft = Inte aktiv
rules-rule = regel { $index } { $name }
rules-saved-by = { $who } · { $when }
rules-go-live = Aktivera
rules-webhooks = Webhook-aviseringar
rules-col-message = Meddelande
rules-col-address = Adress
rules-col-status = Status
rules-col-attempts = Försök
rules-col-error = Senaste fel
rules-webhook-pending = Väntar på att skickas
rules-webhook-delivered = Levererad
rules-webhook-failed = Gav upp
guidelines-title = Riktlinjer för communityn
guidelines-public-link = Offentlig sida (länka till den i svar)
guidelines-hint = Vanlig text: en tom rad börjar ett nytt stycke.
guidelines-save = Spara riktlinjer
guidelines-of = { $name }: riktlinjer för communityn
guidelines-empty = Inga riktlinjer skrivna ännu.

nav-listening = Bevakning
listening-title = Bevakning
listening-period = Period:
listening-granularity = Per:
listening-days = { $days } dagar
listening-granularity-hour = timme
listening-granularity-day = dag
listening-granularity-week = vecka
listening-hour-limit = Timmar visas för perioder på högst 31 dagar.
listening-week = Vecka { $week }
listening-no-topics = Inga ämnen ännu.
listening-new-topic = Nytt ämne
listening-edit-topic = Ändra ämne
listening-chart-volume = Meddelanden per ämne
listening-chart-volume-summary = Meddelanden som matchar varje ämne, periodens största ämnen.
listening-chart-share = Andel av rösterna
listening-chart-share-summary = Meddelanden om varumärket och dess konkurrenter under perioden.
listening-no-share = Andel av rösterna kräver ett ämne med rollen varumärke eller konkurrent.
listening-topics = Ämnen
listening-manage-topics = Hantera ämnen
listening-view-topics = Alla ämnen och deras sökfrågor
listening-col-topic = Ämne
listening-col-role = Roll
listening-col-query = Sökfråga
listening-col-messages = Meddelanden
listening-col-net = Nettosentiment
listening-col-kind = Typ
listening-col-when = När
listening-col-observed = Uppmätt
listening-col-expected = Förväntat
listening-col-driver = Vad som driver det
listening-driver-one = Mest en konversation ({ $n } av { $total })
listening-driver-many = Många konversationer; den största har { $n } av { $total }
listening-col-term = Term
listening-col-now = Nu
listening-col-before = Före
listening-backfill = Matchar historiken… { $percent } %
listening-alerts = Larm
listening-no-alerts = Inga larm under perioden.
listening-alert-volume = Volymtopp
listening-alert-negative = Negativ topp
listening-role-brand = Varumärke
listening-role-product = Produkt
listening-role-competitor = Konkurrent
listening-role-campaign = Kampanj
listening-role-other = Övrigt
listening-edit = Ändra
listening-delete = Ta bort
listening-save = Spara
listening-cancel = Avbryt
listening-saved = Sparat.
listening-topic-summary = { $now } meddelanden under perioden ({ $before } perioden innan); nettosentiment { $net }.
listening-chart-topic-volume = Meddelanden
listening-chart-alerts-shaded = Larmperioder är skuggade.
listening-chart-sentiment = Sentiment
listening-chart-engagement = Engagemang (gillningar, delningar, svar)
listening-chart-authors = Mest aktiva skribenter
listening-chart-terms = Vanligaste orden
listening-chart-hashtags = Vanligaste hashtaggarna
listening-messages = Meddelanden
listening-positive = Positiva
listening-neutral = Neutrala
listening-negative = Negativa
listening-engagement = Engagemang
listening-this-period = Den här perioden
listening-previous-period = Perioden innan
listening-trending = Trendar
listening-trending-help = Ord och hashtaggar som är signifikant vanligare än perioden innan (Dunnings log-likelihood G², p < 0,001).
listening-no-trending = Inget trendar.
listening-to-answer = Att svara
listening-to-answer-help = Öppna frågor från personer som ännu inte är medlemmar i communityn.
listening-no-to-answer = Ingen väntar på svar.
listening-query-error = Sökfrågan går inte att läsa:
listening-query-help = Frågespråket
listening-help-and = båda orden (AND underförstått)
listening-help-or = något av orden
listening-help-not = det första utan det andra
listening-help-phrase = den exakta frasen
listening-help-wildcard = ord som börjar på "lumor" (minst 3 bokstäver)
listening-help-near = högst 3 ord emellan (NEAR/3f: i den ordningen)
listening-help-tags = en hashtagg, ett omnämnande
listening-help-fields = filter, t.ex. channel:x lang:sv sentiment:negative site:lumora.com
listening-help-parens = gruppering; operatorer skrivs med versaler, prioritet NEAR, NOT, AND, OR
listening-help-docs = Hela referensen finns i kodförrådet:
listening-webhook = Webhook för larm
listening-webhook-url = Adress som larmen skickas till (lämna tomt för ingen)
listening-webhook-hint = Varje nytt larm skickas som JSON i en POST-förfrågan.
listening-nothing = Inget under perioden.

## Varför en åtgärd saknas (en rad per behörighet i tend_core::team::permissions)
why-not-read-inbox = Din roll omfattar inte den här arbetsytans inkorg.
why-not-read-notes = Interna anteckningar är för teamet; din roll ser dem inte.
why-not-work-inbox = Din roll läser konversationer; att ändra dem är för administratörer, sociala medier-ansvariga och community managers.
why-not-write-notes = Att skriva interna anteckningar är för administratörer, sociala medier-ansvariga och community managers.
why-not-reply = Din roll läser konversationen; att svara är för administratörer, sociala medier-ansvariga och community managers.
why-not-read-review-queue = Granskningskön är för teamet; din roll ser den inte.
why-not-moderate = Din roll kan titta på kön; besluten fattas av administratörer, sociala medier-ansvariga och community managers.
why-not-read-rules = Reglernas källtext är för teamet; din roll ser den inte.
why-not-edit-rules = Din roll kan läsa reglerna; att spara och prova dem är för administratörer, sociala medier-ansvariga och community managers.
why-not-make-rules-live = Att aktivera regler är för administratörer och sociala medier-ansvariga.
why-not-read-topics = Ämnenas sökfrågor är för teamet; din roll ser bara siffrorna.
why-not-manage-topics = Att skapa och ändra ämnen är för administratörer, sociala medier-ansvariga, community managers och analytiker.
why-not-read-dashboards = Din roll omfattar inte översikterna.
why-not-manage-api-tokens = Din roll omfattar inte API-nycklar; fråga en administratör om du behöver en.
why-not-administer = Bara administratörer ändrar det här.

# Bakgrundsjobb (administratörer)
nav-jobs = Jobb
jobs-title = Bakgrundsjobb
jobs-intro = Moderering, bevakning, webhooks och påminnelser körs som jobb i varje Tend-process. Ett jobb som misslyckas görs om med allt längre pauser; ett som misslyckas varje gång väntar här på dig.
jobs-healthy = Allt bakgrundsarbete går.
jobs-all = Senaste
jobs-dead = Misslyckade
jobs-none = Inga jobb här.
jobs-kind = Jobb
jobs-state = Läge
jobs-run-at = Körs
jobs-attempts = Försök
jobs-last-error = Senaste fel
jobs-worker = Process
jobs-recurring = återkommande
jobs-retry = Försök igen
jobs-state-queued = i kö
jobs-state-running = körs
jobs-state-done = klar
jobs-state-dead = misslyckades

## Kanalinställningar
nav-channels = Kanaler
channels-title = Kanaler
channels-intro = Varje kanal är ett konto på ett nätverk. En ansluten kanal läses direkt och skickar teamets svar; en importerad innehåller det som importerats. Att koppla från behåller alla meddelanden.
channels-list-title = Era kanaler
channels-none = Inga kanaler än.
channels-simulated = simulerad (demo)
channels-state-connected = ansluten
channels-state-disconnected = frånkopplad
channels-state-imported = importerad
channels-unhealthy = behöver åtgärdas
channels-problem-failed = Den senaste läsningen misslyckades: { $error }
channels-problem-expired = Inloggningen gick ut { $when }; anslut kanalen igen.
channels-problem-silent = Ingen läsning sedan { $since }, fast en ska ske var { $every }:e sekund. Körs en Tend-arbetare?
channels-never = aldrig
channels-last-sync = Senast läst
channels-last-ok = Senast läst utan fel
channels-last-error = Senaste fel
channels-token-expires = Inloggningen går ut
channels-rate-limited = Nätverket bad oss vänta till
channels-received = Meddelanden mottagna direkt
channels-imported-hint = Fylls av importer; inte ansluten till sitt nätverk.
channels-messages = Kanalens meddelanden i inkorgen
channels-sync = Läs nu
channels-disconnect = Koppla från…
channels-disconnect-confirm = Koppla från { $name }? Tend slutar läsa kanalen och glömmer inloggningen. Meddelandena finns kvar.
channels-disconnect-yes = Ja, koppla från
channels-sending-title = Skicka
channels-sending-on = Svar skickas när de köas.
channels-sending-paused = Allt skickande är stoppat sedan { $since }. Köade svar väntar.
channels-sending-pause = Stoppa allt skickande
channels-sending-resume = Återuppta skickandet
channels-connect-title = Anslut en kanal
channels-name = Namn
channels-network = Nätverk
channels-settings = Fler inställningar
channels-settings-hint = Nätverkets valfria inställningar, som namn och värde (en lista: kommaseparerad, eller JSON). Om någon är fel säger nätverket vilken.
channels-settings-of = Inställningar för { $network }
channels-settings-none = Det här nätverket behöver inga inställningar.
channels-setting-key = Inställningens namn
channels-setting-value = Inställningens värde
channels-credentials = Inloggning
channels-credentials-hint = Kontrolleras med nätverket och sparas sedan krypterat. Tend visar den aldrig igen.
channels-credentials-none = Ingen
channels-credentials-password = Användarnamn och lösenord (eller applösenord)
channels-credentials-token = Åtkomsttoken
channels-username = Användarnamn
channels-password = Lösenord
channels-token = Token
channels-backfill = Dagar bakåt att läsa
channels-oauth-title = Anslut ett Mastodon-konto med OAuth
channels-oauth-hint = Tend registrerar sig hos instansen och skickar dig till dess godkännandesida; du kommer tillbaka hit när du har godkänt. Ingen token att kopiera.
channels-oauth-instance = Instansens adress
channels-oauth-submit = Fortsätt till instansen
channels-oauth-failed = Instansen godkände inte anslutningen: { $error }
channels-connect = Anslut
channels-done-connected = Ansluten. Den första läsningen börjar nu.
channels-done-sync = En läsning är köad.
channels-done-disconnected = Frånkopplad. Meddelandena finns kvar i Tend.
channels-done-paused = Allt skickande är stoppat.
channels-done-resumed = Skickandet är igång igen.

## Nätverk: vad en arbetsyta behöver skaffa, och gränserna (tend_channels::live::catalogue)
network-needs-simulated = Ingenting: Tends eget demonätverk. Inget lämnar Tend.
network-limits-simulated = Inga gränser.
network-needs-mastodon = En åtkomsttoken för varumärkets konto (Inställningar → Utveckling → Ny applikation, behörigheterna read och write), eller anslut med OAuth nedan. Ingen granskning.
network-limits-mastodon = 300 anrop per 5 minuter per konto; 30 mediauppladdningar per 30 minuter. Instansen bestämmer inläggens längd (500 på de flesta).
network-needs-bluesky = Varumärkets användarnamn och ett applösenord (Inställningar → Integritet och säkerhet → Applösenord). Ingen granskning.
network-limits-bluesky = 5 000 poäng per timme och 35 000 per dygn för skrivningar (ett inlägg kostar 3); inloggningar högst 30 per 5 minuter.
network-needs-matrix = Ett botkonto på hemservern (användar-id och lösenord, eller en åtkomsttoken), inbjudet till gemenskapens rum.
network-limits-matrix = Bestäms av hemservern; Synapses standard tillåter några meddelanden per sekund per användare.
network-needs-email = Supportbrevlådans IMAP- och SMTP-värdnamn och inloggning (ett applösenord där leverantören kräver det).
network-limits-email = Bestäms av e-postleverantören; Tend håller en IMAP-anslutning öppen.
network-needs-rss = Flödets adress. Bara läsning.
network-limits-rss = Inga; Tend frågar var 15:e minut med en villkorlig begäran.
network-needs-x = Ett betalt utvecklarkonto hos X (betalning per användning eller en prenumerationsnivå) och en egen app för arbetsytan i X:s utvecklarkonsol, med OAuth 2.0-användarinloggning påslagen (läsa och skriva, direktmeddelanden) och Tends återanropsadress; anslut sedan varumärkets konto med OAuth (behörigheterna tweet.read, tweet.write, users.read, dm.read, offline.access) och ange dess numeriska användar-id. X har ingen granskning som Tend kan klara åt er. Tend är byggt och testat mot X:s dokumenterade och inspelade svar, inte mot X självt.
network-limits-x = Betalning per användning kostar pengar för varje anrop: ett inlägg kostar 0,015 $, ett inlägg med en länk 0,200 $ och varje läst inlägg 0,005 $ (X:s prislista, 2026); Tend varnar innan ett inlägg med länk skickas. Per användare: 200 inlägg per 15 minuter och 300 per 3 timmar; omnämnandeflödet 300–450 anrop per 15 minuter. 280 tecken (länkar räknas som 23). X visar bara de senaste 800 omnämnandena och 30 dagars direktmeddelanden.
network-needs-facebook = En egen Meta-utvecklarapp för arbetsytan, med Facebook Login for Business, som har klarat Metas appgranskning och företagsverifiering för utökad åtkomst till pages_read_engagement, pages_read_user_content, pages_manage_engagement, pages_manage_posts och pages_messaging (enligt Meta tar det oftast en till tre veckor; Tend kan inte göra det åt er). Därefter en långlivad sidåtkomsttoken för varumärkets sida och sidans id. Tend är byggt och testat mot Metas dokumenterade och inspelade svar, inte mot Facebook självt.
network-limits-facebook = Graph API har budgetar per app och per sida (omkring 200 anrop per timme per användare av appen, och sidans egen budget); Tend stannar nära 100 % av siffrorna i X-App-Usage och X-Business-Use-Case-Usage och väntar den tid Meta anger. Kommentarer läses på sidans 100 senaste inlägg. Inlägg på högst 63 206 tecken.
network-needs-instagram = Ett professionellt Instagramkonto (företag eller kreatör) kopplat till en Facebooksida, och en egen Meta-utvecklarapp för arbetsytan som har klarat Metas appgranskning för instagram_basic, instagram_manage_comments, instagram_content_publish, instagram_manage_messages och pages_read_engagement (Tend kan inte klara den åt er). Därefter sidans långlivade åtkomsttoken, Instagramkontots id och, för direktmeddelanden, sidans id. Tend är byggt och testat mot Metas dokumenterade och inspelade svar, inte mot Instagram självt.
network-limits-instagram = 50 publicerade inlägg per dygn och konto (content_publishing_limit); 2 200 tecken och 5 hashtaggar per bildtext; ett inlägg måste ha en bild på en offentlig https-adress. Graph API:s budgetar som för Facebook. Appar kan inte radera inlägg, bara kommentarer.
network-needs-threads = En egen Meta-utvecklarapp för arbetsytan med användningsfallet Threads, genom Metas appgranskning för threads_basic, threads_read_replies, threads_manage_replies, threads_manage_mentions, threads_content_publish och threads_delete (Tend kan inte klara den åt er); därefter en långlivad Threads-användartoken för varumärkets konto. Tend förnyar token innan dess 60 dagar har gått. Tend är byggt och testat mot Metas dokumenterade och inspelade svar, inte mot Threads självt.
network-limits-threads = 250 publicerade inlägg och 1 000 svar per dygn (threads_publishing_limit); 500 tecken (en emoji räknas i byte) och en ämnestagg per inlägg; API-anropen begränsas till 4 800 × kontots visningar per dygn.
