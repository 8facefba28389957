# Tend's interface strings, English. Keep every key in step with ../sv/main.ftl
# (a test fails when a key exists in one language only).

## Navigation and layout
nav-workspaces = Workspaces
nav-inbox = Inbox
nav-tokens = API tokens
nav-switch-language = Svenska
nav-logout = Log out
no-workspaces = You are not in any workspace yet. Ask an admin to add you.

## Keyboard help
help-title = Keyboard shortcuts
help-move = Next / previous conversation
help-open = Open conversation
help-done = Mark done
help-assign = Assign
help-tag = Tag
help-reply = Reply
help-search = Search
help-help = Show or hide this help

## Errors
error-home = Back to the start page
error-not_found = Not found
error-unauthorized = Please log in
error-forbidden = Not allowed
error-bad_request = Something in the request is not right
error-conflict = That conflicts with a change made meanwhile
error-unprocessable = That cannot be done as it is
error-internal = Something went wrong on our side

## Login
login-title = Log in to Tend
login-email = E-mail
login-password = Password
login-submit = Log in
login-failed = Wrong e-mail or password.
login-too-many = Too many failed attempts. Wait 15 minutes and try again.

## API tokens
tokens-title = API tokens
tokens-intro = Tokens let scripts use the JSON API with your roles. Send one as "Authorization: Bearer <token>".
tokens-copy-now = Copy this token now; it will not be shown again:
tokens-name = Name
tokens-create = Create token
tokens-prefix = Starts with
tokens-created = Created
tokens-last-used = Last used
tokens-revoked = Revoked
tokens-revoke = Revoke

## Inbox
inbox-title = Inbox
inbox-status = Status
inbox-empty = Nothing here. Inbox zero!
inbox-select = Select
inbox-older = Older conversations
inbox-showing =
    { $count ->
        [one] Showing { $n } conversation
       *[other] Showing { $n } conversations
    }
filter-search = Search
filter-channel = Channel
filter-tag = Tag
filter-sentiment = Sentiment
filter-assignee = Assignee
filter-assignee-me = Me
filter-assignee-none = Nobody
filter-question = Question
filter-toxic = Toxic
filter-language = Language
filter-from = From
filter-to = To
filter-apply = Filter
filter-yes = Yes
filter-no = No

## Actions
action-done = Done
action-reopen = Reopen
action-tag = Tag
action-untag = Remove tag
action-assign = Assign
action-snooze = Snooze
action-snooze-until = Snooze until
action-correct-sentiment = Sentiment is:

## States and labels
state-open = Open
state-done = Done
state-snoozed = Snoozed
state-archived = Archived
state-all = All
sentiment-positive = Positive
sentiment-neutral = Neutral
sentiment-negative = Negative
signal-question = Question
signal-toxic = Toxic
signal-corrected = corrected
signal-score = score { $value }
signal-toxicity = toxicity { $value }
signal-spam = spam { $value }
signal-explanation = Why this sentiment?
someone = Someone

## Conversation
conversation-title = Conversation
conversation-snoozed-until = until { $when }
conversation-permalink = Open on the platform
conversation-edited = edited on the network
conversation-removed = deleted on the network
conversation-tags = Tags
author-title = Author
author-followers = { $n } followers
author-profile = Profile
author-also = Also known as:
author-earlier = Earlier conversations
author-no-earlier = None yet.
notes-title = Internal notes
notes-placeholder = Write a note; @name mentions a teammate
notes-add = Add note
outbox-title = Replies
outbox-queued = queued
outbox-sending = sending
outbox-sent = sent
outbox-failed = failed
outbox-unknown = outcome unknown (being checked with the network)
outbox-cancelled = cancelled
outbox-cancel = Cancel
outbox-retry = Retry
outbox-view = View on the network
outbox-network-id = Network id: { $id }
outbox-reason = Why: { $reason }
history-title = History
event-state = set the status to
event-assigned = assigned to
event-tagged = tagged
event-untagged = removed the tag
event-sentiment_corrected = corrected the sentiment to
event-reply_queued = queued a reply
event-noted = added a note

## Reply box
reply-label = Reply
reply-queue = Queue reply
reply-empty = The reply is empty.
reply-too-long = The reply is too long for this network ({ $detail }).
reply-too-many-hashtags = Too many hashtags for this network ({ $detail }).
reply-invalid-characters = The reply contains characters the network rejects.

## Platforms (the author card)
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
platform-email = E-mail
platform-rss = RSS
platform-reviews = Reviews
platform-ideas = Ideas
platform-other = Other

## Months (short)
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec

## First response (business time against the workspace's target)
filter-sort = Order
sort-newest = Newest first
sort-oldest = Longest waiting first
response-answered = Answered in { $time }
response-waiting = Waiting { $time }
duration-minutes = { $m } min
duration-hours = { $h } h { $m } min

## API reference
api-docs-title = API reference
api-docs-spec = OpenAPI document (JSON)
api-docs-contents = Contents
api-docs-schemas = Schemas
api-docs-security = Authentication
api-docs-parameters = Parameters
api-docs-request-body = Request body
api-docs-responses = Responses
api-docs-required = required
nav-api = API

## Live updates
live-new = new — show

## Sentiment explanation (VADER trace), one line per step
explain-compound = Overall score { $compound } (positive { $pos }, neutral { $neu }, negative { $neg })
explain-emoji = Emoji { $emoji } read as “{ $description }”
explain-token = “{ $token }” { $valence }: lexicon { $lexicon }
explain-token-unknown = “{ $token }” { $valence }: not in the lexicon
explain-rule-determiner = used as a determiner before “{ $trigger }” ({ $before } → { $after })
explain-rule-negated = negated by “{ $trigger }” ({ $before } → { $after })
explain-rule-caps = capitals emphasise “{ $trigger }” ({ $before } → { $after })
explain-rule-booster = boosted by “{ $trigger }” ({ $before } → { $after })
explain-rule-dampener = dampened by “{ $trigger }” ({ $before } → { $after })
explain-rule-emphasis = emphasised by “{ $trigger }” ({ $before } → { $after })
explain-rule-idiom = idiom “{ $trigger }” ({ $before } → { $after })
explain-rule-but-before = before “{ $trigger }” counts less ({ $before } → { $after })
explain-rule-but-after = after “{ $trigger }” counts more ({ $before } → { $after })
explain-punctuation = Punctuation emphasis { $amplifier } ({ $exclamations } “!”, { $questions } “?”) pushes the sum away from 0
explain-sum = Sum of the words { $sum }, with emphasis { $total }; overall score = x / √(x² + 15)

## Moderation: review queue, rules, guidelines
nav-review = Review queue
nav-rules = Rules
help-select = Select / unselect
review-title = Review queue
review-open = Open
review-decided = Decided
review-empty = Nothing to review.
review-none-decided = Nothing decided yet.
review-select = Select for a decision
review-rule = { $name } · v{ $version } · rule { $index }
review-rule-teammate = Reported by a teammate
review-reason = Reason: { $reason }
review-escalated = Escalated
review-decided-by = { $who } · { $when }
review-action-approve = Approve
review-action-remove = Remove
review-action-hide = Hide
review-action-ban = Ban author
review-action-escalate = Escalate
review-status-pending = Pending
review-status-approved = Approved
review-status-removed = Removed
review-status-hidden = Hidden
review-status-banned = Author banned
review-status-escalated = Escalated
rules-title = Rules
rules-saved = Saved as a new version. It is not live until you make it live.
rules-errors = The rules do not load:
rules-editor = Rules (YAML)
rules-save = Save as new version
rules-dry-run = Dry run (last 30 days)
rules-dry-title = Dry run: the last 30 days
rules-dry-summary = { $matched } of { $scanned } messages matched at least one rule.
rules-place = rule { $index } · document { $document }, line { $line }
rules-col-rule = Rule
rules-col-hits = Hits
rules-col-actions = Actions
rules-col-samples = Examples
rules-col-notes = Notes
rules-col-version = Version
rules-col-saved = Saved
rules-col-live = Live
rules-versions = Versions
rules-no-versions = No rules saved yet.
rules-live-since = Live since { $from }
rules-live-was = Live { $from } – { $until }
rules-draft = Not live
rules-rule = rule { $index } { $name }
rules-saved-by = { $who } · { $when }
rules-go-live = Make live
rules-webhooks = Webhook notifications
rules-col-message = Message
rules-col-address = Address
rules-col-status = Status
rules-col-attempts = Attempts
rules-col-error = Last error
rules-webhook-pending = Waiting to be sent
rules-webhook-delivered = Delivered
rules-webhook-failed = Given up
guidelines-title = Community guidelines
guidelines-public-link = Public page (link it from replies)
guidelines-hint = Plain text: a blank line starts a new paragraph.
guidelines-save = Save guidelines
guidelines-of = { $name }: community guidelines
guidelines-empty = No guidelines written yet.

nav-listening = Listening
listening-title = Listening
listening-period = Period:
listening-granularity = Per:
listening-days = { $days } days
listening-granularity-hour = hour
listening-granularity-day = day
listening-granularity-week = week
listening-hour-limit = Hours are shown for periods of at most 31 days.
listening-week = Week { $week }
listening-no-topics = No topics yet.
listening-new-topic = New topic
listening-edit-topic = Edit topic
listening-chart-volume = Messages per topic
listening-chart-volume-summary = Messages matching each topic, the largest topics of the period.
listening-chart-share = Share of voice
listening-chart-share-summary = Messages about the brand and its competitors in the period.
listening-no-share = Share of voice needs a brand or competitor topic.
listening-topics = Topics
listening-manage-topics = Manage topics
listening-view-topics = All topics and their queries
listening-col-topic = Topic
listening-col-role = Role
listening-col-query = Query
listening-col-messages = Messages
listening-col-net = Net sentiment
listening-col-kind = Kind
listening-col-when = When
listening-col-observed = Observed
listening-col-expected = Expected
listening-col-driver = What drives it
listening-driver-one = Mostly one conversation ({ $n } of { $total })
listening-driver-many = Many conversations; the largest has { $n } of { $total }
listening-col-term = Term
listening-col-now = Now
listening-col-before = Before
listening-backfill = Matching history… { $percent }%
listening-alerts = Alerts
listening-no-alerts = No alerts in this period.
listening-alert-volume = Volume spike
listening-alert-negative = Negative spike
listening-role-brand = Brand
listening-role-product = Product
listening-role-competitor = Competitor
listening-role-campaign = Campaign
listening-role-other = Other
listening-edit = Edit
listening-delete = Delete
listening-save = Save
listening-cancel = Cancel
listening-saved = Saved.
listening-topic-summary = { $now } messages in this period ({ $before } in the period before); net sentiment { $net }.
listening-chart-topic-volume = Messages
listening-chart-alerts-shaded = Alert periods are shaded.
listening-chart-sentiment = Sentiment
listening-chart-engagement = Engagement (likes, shares, replies)
listening-chart-authors = Most active authors
listening-chart-terms = Top terms
listening-chart-hashtags = Top hashtags
listening-messages = Messages
listening-positive = Positive
listening-neutral = Neutral
listening-negative = Negative
listening-engagement = Engagement
listening-this-period = This period
listening-previous-period = Period before
listening-trending = Trending
listening-trending-help = Words and hashtags significantly more frequent than in the period before (Dunning log-likelihood G², p < 0.001).
listening-no-trending = Nothing is trending.
listening-to-answer = People to answer
listening-to-answer-help = Open questions from people who are not community members yet.
listening-no-to-answer = Nobody is waiting for an answer.
listening-query-error = The query does not parse:
listening-query-help = Query language
listening-help-and = both words (AND is implied)
listening-help-or = either word
listening-help-not = the first without the second
listening-help-phrase = the exact phrase
listening-help-wildcard = words starting with "lumor" (at least 3 letters)
listening-help-near = at most 3 words apart (NEAR/3f: in this order)
listening-help-tags = a hashtag, a mention
listening-help-fields = filters, e.g. channel:x lang:sv sentiment:negative site:lumora.com
listening-help-parens = grouping; operators are upper case, precedence NEAR, NOT, AND, OR
listening-help-docs = The full reference is in the repository:
listening-webhook = Alert webhook
listening-webhook-url = URL alerts are posted to (leave empty for none)
listening-webhook-hint = Each new alert is sent as JSON with a POST request.
listening-nothing = Nothing in this period.

## Why an action is absent (one line per permission of tend_core::team::permissions)
why-not-read-inbox = Your role does not include this workspace's inbox.
why-not-read-notes = Internal notes are for the team; your role does not see them.
why-not-work-inbox = Your role reads conversations; changing them is for admins, social media managers and community managers.
why-not-write-notes = Writing internal notes is for admins, social media managers and community managers.
why-not-reply = Your role reads this conversation; replying is for admins, social media managers and community managers.
why-not-read-review-queue = The review queue is for the team; your role does not see it.
why-not-moderate = Your role may look at the queue; decisions are for admins, social media managers and community managers.
why-not-read-rules = Rule sources are for the team; your role does not see them.
why-not-edit-rules = Your role may read the rules; saving and trying them is for admins, social media managers and community managers.
why-not-make-rules-live = Making rules live is for admins and social media managers.
why-not-read-topics = Topic queries are for the team; your role sees the figures only.
why-not-manage-topics = Creating and changing topics is for admins, social media managers, community managers and analysts.
why-not-read-dashboards = Your role does not include the dashboards.
why-not-manage-api-tokens = Your role does not include API tokens; ask an admin if you need one.
why-not-administer = Only admins change this.

# Background jobs (admins)
nav-jobs = Jobs
jobs-title = Background jobs
jobs-intro = Moderation, listening, webhooks and reminders run as jobs in every Tend process. A job that fails is retried with growing pauses; one that fails every attempt waits here for you.
jobs-healthy = All background work is running.
jobs-all = Recent
jobs-dead = Failed for good
jobs-none = No jobs here.
jobs-kind = Job
jobs-state = State
jobs-run-at = Runs at
jobs-attempts = Attempts
jobs-last-error = Last error
jobs-worker = Process
jobs-recurring = recurring
jobs-retry = Retry
jobs-state-queued = queued
jobs-state-running = running
jobs-state-done = done
jobs-state-dead = failed for good

## Channels settings
nav-channels = Channels
channels-title = Channels
channels-intro = Each channel is one account on one network. A connected channel is read live and sends the team's replies; an imported one holds what was imported. Disconnecting keeps every message.
channels-list-title = Your channels
channels-none = No channels yet.
channels-simulated = simulated (demo)
channels-state-connected = connected
channels-state-disconnected = disconnected
channels-state-imported = imported
channels-unhealthy = needs attention
channels-problem-failed = The last read failed: { $error }
channels-problem-expired = Its credentials expired on { $when }; connect it again.
channels-problem-silent = No read since { $since }, though one is due every { $every } seconds. Is a Tend worker running?
channels-never = never
channels-last-sync = Last read
channels-last-ok = Last successful read
channels-last-error = Last error
channels-token-expires = Credentials expire
channels-rate-limited = Network asked to wait until
channels-received = Messages received live
channels-imported-hint = Filled by imports; not connected to its network.
channels-messages = Its messages in the inbox
channels-sync = Read now
channels-disconnect = Disconnect…
channels-disconnect-confirm = Disconnect { $name }? Tend stops reading it and forgets its credentials. Its messages stay.
channels-disconnect-yes = Yes, disconnect
channels-sending-title = Sending
channels-sending-on = Replies are sent as they are queued.
channels-sending-paused = All sending is stopped since { $since }. Queued replies wait.
channels-sending-pause = Stop all sending
channels-sending-resume = Resume sending
channels-connect-title = Connect a channel
channels-name = Name
channels-network = Network
channels-settings = More settings
channels-settings-hint = Optional settings of the network, as name and value (a list: comma-separated, or JSON). If one is wrong, the network says which.
channels-settings-of = Settings of { $network }
channels-settings-none = This network needs no settings.
channels-setting-key = Setting name
channels-setting-value = Setting value
channels-credentials = Credentials
channels-credentials-hint = Checked with the network, then stored encrypted. Tend never shows them again.
channels-credentials-none = None
channels-credentials-password = Username and password (or app password)
channels-credentials-token = Access token
channels-username = Username
channels-password = Password
channels-token = Token
channels-backfill = Days of history to read
channels-oauth-title = Connect a Mastodon account with OAuth
channels-oauth-hint = Tend registers itself with the instance and sends you to its consent page; you come back here once you allowed it. No token to copy.
channels-oauth-instance = Instance address
channels-oauth-submit = Continue to the instance
channels-oauth-failed = The instance did not allow the connection: { $error }
channels-connect = Connect
channels-done-connected = Connected. The first read starts now.
channels-done-sync = A read is queued.
channels-done-disconnected = Disconnected. Its messages stay in Tend.
channels-done-paused = All sending is stopped.
channels-done-resumed = Sending is on again.

## Networks: what a workspace must obtain, and the limits (tend_channels::live::catalogue)
network-needs-simulated = Nothing: Tend's own demo network. Nothing leaves Tend.
network-limits-simulated = No limits.
network-needs-mastodon = An access token of the brand's account (Preferences → Development → New application, scopes read and write), or connect with OAuth below. No review.
network-limits-mastodon = 300 requests per 5 minutes per account; 30 media uploads per 30 minutes. The instance sets its own post length (500 on most).
network-needs-bluesky = The brand's handle and an app password (Settings → Privacy and security → App passwords). No review.
network-limits-bluesky = 5,000 points per hour and 35,000 per day for writes (a post costs 3); sign-ins are limited to 30 per 5 minutes.
network-needs-matrix = A bot account on the homeserver (user id and password, or an access token), invited to the community's rooms.
network-limits-matrix = Set by the homeserver; Synapse's defaults allow a few messages per second per user.
network-needs-email = The support mailbox's IMAP and SMTP host names and its login (an app password where the provider requires one).
network-limits-email = Set by the mail provider; Tend keeps one IMAP connection open.
network-needs-rss = The feed's address. Read-only.
network-limits-rss = None; Tend asks every 15 minutes with a conditional request.
network-needs-x = A paid X developer account (pay-per-use or a subscription tier) and an app of the workspace's own in the X developer console, with OAuth 2.0 user authentication switched on (read and write, direct messages) and Tend's callback address; then connect the brand account with OAuth (scopes tweet.read, tweet.write, users.read, dm.read, offline.access) and enter its numeric user id. X offers no review Tend could pass for you. Tend is built and tested against X's documented and recorded payloads, not against X itself.
network-limits-x = Pay-per-use costs money for every call: creating a post costs $0.015, a post with a link $0.200, and each post read $0.005 (X pricing, 2026); Tend shows a warning before a post with a link. Per user: 200 posts per 15 minutes and 300 per 3 hours; the mentions timeline 300–450 requests per 15 minutes. 280 characters (links count 23). X keeps the newest 800 mentions and 30 days of direct messages readable.
network-needs-facebook = A Meta developer app of the workspace's own, with Facebook Login for Business, that has passed Meta's App Review and Business Verification for Advanced Access to pages_read_engagement, pages_read_user_content, pages_manage_engagement, pages_manage_posts and pages_messaging (Meta says this usually takes one to three weeks; Tend cannot do it for you). Then a long-lived Page access token of the brand's Page, and the Page's id. Tend is built and tested against Meta's documented and recorded payloads, not against Facebook itself.
network-limits-facebook = Graph API budgets per app and per Page (about 200 calls per hour per user of the app, and the Page's own use-case budget); Tend stops near 100% of the X-App-Usage and X-Business-Use-Case-Usage figures and waits the time Meta names. Comments are read on the Page's 100 newest posts. Posts up to 63,206 characters.
network-needs-instagram = An Instagram professional (business or creator) account linked to a Facebook Page, and a Meta developer app of the workspace's own that has passed Meta's App Review for instagram_basic, instagram_manage_comments, instagram_content_publish, instagram_manage_messages and pages_read_engagement (Tend cannot pass it for you). Then the Page's long-lived access token, the Instagram account id and, for direct messages, the Page id. Tend is built and tested against Meta's documented and recorded payloads, not against Instagram itself.
network-limits-instagram = 50 published posts per 24 hours per account (content_publishing_limit); 2,200 characters and 5 hashtags per caption; a post needs an image on a public https address. Graph API budgets as for Facebook. Apps cannot delete posts, only comments.
network-needs-threads = A Meta developer app of the workspace's own with the Threads use case, through Meta's App Review for threads_basic, threads_read_replies, threads_manage_replies, threads_manage_mentions, threads_content_publish and threads_delete (Tend cannot pass it for you); then a long-lived Threads user token of the brand's account. Tend refreshes the token before its 60 days run out. Tend is built and tested against Meta's documented and recorded payloads, not against Threads itself.
network-limits-threads = 250 published posts and 1,000 replies per 24 hours (threads_publishing_limit); 500 characters (an emoji counts its bytes) and one topic tag per post; API calls are capped at 4,800 × the account's impressions per 24 hours.
