package corpus

// Templates of AI-service traffic. Slots in braces are filled with generated
// values; labeled slots (see labeledSlots) become labels, the others are
// hard-negative noise that must not be reported.

// positiveTemplates carry personal data, grouped by the service they mimic.
var positiveTemplates = []string{
	// image generation
	"Generate a watercolor portrait of {NAME} holding a golden retriever, soft light, seed {SEED}, {SIZE}.",
	"Make a birthday card for {NAME} (born {DOB}) in pastel colors and email the preview to {EMAIL}.",
	"Photorealistic headshot for {NAME}'s LinkedIn, studio lighting, 85mm, model {MODEL}.",
	"Turn this selfie into anime style. My name is {NAME}, reach me on {PHONE} if the upload fails.",
	"Create a wedding invitation for {NAME} and {NAME}, RSVP to {EMAIL} by June 3.",
	"Upscale image_{SEED}.png to {SIZE} and send the link to {EMAIL}; order {ORDER}.",
	"Logo for my bakery, owner {NAME}, phone {PHONE}, colors {HEXCOLOR} and cream.",
	// video generation
	"Create a 30-second video greeting for {NAME}; call them at {PHONE} when it is ready.",
	"Render a product demo video, narrator voice like a news anchor, send to {EMAIL}, job {GUID}.",
	"Edit the clip from {TS}: blur the license plate and the face of {NAME}.",
	"Video avatar request for {NAME}, date of birth {DOB}, contact {EMAIL}, plan {PRICE}/month.",
	"Animate the photo I uploaded from {IP} yesterday; it keeps failing with error {SHA}.",
	// ad copy
	"Write ad copy for our spring sale (SKU {SKU}, now {PRICE}). Customer quote from {NAME}, {EMAIL}.",
	"Draft three headlines for a dentist in Leeds. Contact: Dr. {NAME}, {PHONE}.",
	"Google Ads text for my bike shop. Invoices go to {EMAIL}, IBAN {IBAN}, VAT included.",
	"Rewrite this testimonial from {NAME} ({EMAIL}) so it sounds less formal.",
	"Instagram caption for {NAME}'s new album, version {VER} of the press kit, link {URL}.",
	// search
	"{NAME} {PHONE}",
	"who owns {EMAIL}",
	"ip lookup {IP}",
	"is {BTC} a scam wallet",
	"reverse phone lookup {PHONE}",
	"{NAME} address Berlin",
	"whois {IP6}",
	// support and general assistant traffic
	"Please charge my card {CARD}, exp 09/27, for order {ORDER}. Thanks, {NAME}",
	"Refund to IBAN {IBAN}, account holder {NAME}, reference {INVOICE}.",
	"My SSN is {SSN} - can you help me fill in the W-9 form?",
	"Fill this form: name {NAME}, SSN {SSN}, DOB {DOB}, phone {PHONE}.",
	"Why does my request fail? I'm sending the header Authorization: Bearer {SECRET}",
	"Here is my config: api_key={SECRET} timeout=30 retries=3",
	"export OPENAI_API_KEY={SECRET} then run the script again",
	"Server {IP} returns 502 since the deploy of {VER} at {TS}.",
	"Our VPN assigns {IP6} but the gateway rejects it.",
	"Device with MAC {MAC} keeps dropping off the office wifi.",
	"Send 0.01 BTC to {BTC} for the premium prompt pack.",
	"Payment failed for card {CARD}; the amount was {PRICE}.",
	"Book a table for {NAME}, phone {PHONE}, tomorrow at 7pm.",
	"Translate to Spanish: Dear {NAME}, your package {ORDER} ships today.",
	"Summarize the email from {EMAIL} about invoice {INVOICE} and reply to {NAME}.",
	"My colleague {NAME} was born on {DOB}; suggest a gift under {PRICE}.",
	"I was born {DOB} - what is my zodiac sign?",
	"Share my gallery {URL} with {EMAIL}.",
	"The webhook from {IP} posts to {URL} with token {SECRET}.",
	"Send the contract to {NAME} at {EMAIL} or call {PHONE}.",
	"Card on file: {CARD}. Billing email: {EMAIL}. Device: {MAC}.",
	// phone numbers next to identifiers, and UK numbers of Ofcom's drama
	// ranges (written in scripts and stories, and by people testing forms)
	"Call me on {DRAMA} about the storyboard.",
	"Our office line is {DRAMA}, ask for {NAME}.",
	"Write a scene where the detective dials {DRAMA} from a phone box.",
	"Text {PHONE} when the render with seed {LONGID} is done.",
	"Refund reference {LONGID}; questions to {PHONE}.",
	"Build {BUILD} is ready, call {NAME} on {PHONE}.",
	"Ticket {GROUPED}: the customer can be reached at {DRAMA}.",
}

// negativeTemplates carry no personal data at all: identifiers, hashes,
// timestamps, versions, prices, product codes and card-like numbers that fail
// the Luhn check, in the same kinds of prompt.
var negativeTemplates = []string{
	"Where is my order {ORDER}? It was placed on {TS} and still shows processing.",
	"Generate a poster of Paris at night, seed {SEED}, {SIZE}, style reference {GUID}.",
	"Upgrade from version {VER} to the latest release; the changelog mentions {SHA}.",
	"The product {SKU} costs {PRICE} but the cart shows a different total.",
	"Is {BADCARD} a valid test card number for the sandbox?",
	"Compare model {MODEL} with the previous checkpoint at step {SEED}.",
	"Job {GUID} failed at {TS} with exit code 137.",
	"Invoice {INVOICE} for {PRICE} was paid on {TS}.",
	"Commit {SHA} broke the build on version {VER}.",
	"Use color {HEXCOLOR} for the banner, {SIZE} pixels, aspect ratio 16:9.",
	"Track the parcel {ORDER}; it left the warehouse at {TS}.",
	"Render a cinematic shot of Sydney Harbour at sunrise, seed {SEED}.",
	"Write ad copy for the May sale: everything at {PRICE}, code SPRING24.",
	"Our API returned request id {GUID} and etag {SHA}.",
	"Unix time {EPOCH} - what date is that?",
	"Restock {SKU} and {SKU} before Black Friday; budget {PRICE}.",
	"Card-like reference {BADCARD} appears on the packing slip.",
	"Search: best hiking boots under {PRICE}",
	"Search: Chrome {VER} release notes",
	"Video in {SIZE} at 60 fps, duration 00:01:30, bitrate 8000 kbps.",
	"Ticket {ORDER} was merged into {INVOICE} on {TS}.",
	"Write a product description for the Jordan sneakers, SKU {SKU}.",
	"Model {MODEL} costs {PRICE} per million tokens.",
	"The checksum is sha256:{SHA} for release {VER}.",
	"Image hash {SHA}, generated at {EPOCH} with seed {SEED}.",
	// numbers that look like phone numbers: identifiers after a word that
	// says what they are, IBAN-shaped strings failing mod-97, long groups
	"Generate a poster of a red fox in the snow, seed {LONGID}, 30 steps.",
	"Same prompt as before but with seed: {LONGID} and {SIZE}.",
	"Call the image endpoint with seed {LONGID} and guidance 7.5.",
	"Build {BUILD} crashes on start; build {LONGID} was fine.",
	"The nightly build number {LONGID} failed the smoke tests.",
	"Please quote reference {LONGID} in the transfer description.",
	"Prompt id {LONGID} returned an empty image.",
	"My order number is {LONGID}, can you check the status?",
	"Request ID {LONGID} took twelve seconds to answer.",
	"Tracking no. {LONGID} shows no movement since Monday.",
	"Transfer to IBAN {BADIBAN} bounced: the bank says the account is unknown.",
	"Is {BADIBAN} a valid account number? The form rejects it.",
	"Case {GROUPED} was escalated to the second line.",
	"Ticket {GROUPED}: the upscaler returns 500 for large images.",
	"Version {BUILD} of the desktop app cannot open old projects.",
}
