package extract

// Shipping stated in sentences: "This item ships from Canada.", "Ships only to Belgium.",
// "Ships worldwide except China.", "Ships to all countries.", in the supported languages.

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"

	"github.com/darkwatch/darkwatch/extract/country"
)

// shipWordRe is a cheap test for a text that may state shipping.
var shipWordRe = mustQuick(`(?i)ship|deliver|dispatch|posted|versand|versend|verschick|liefer|livr|expédi|envoi|envoy|env[ií]|spedi|verzend|verzond|lever|wysył|dostaw|достав|отправ|skickas`)

// shipSubject is an optional sentence subject before the verb: "This item", "We", "All orders".
const shipSubject = `(?:(?:this|the|our|each|all|every)\s+(?:items?|products?|listings?|offers?|orders?|packages?|parcels?)\s+|we\s+|i\s+|it\s+|vendor\s+)?`

// shipOnly are the words that restrict destinations without changing them ("only to X").
const shipOnly = `(?:only\s+|exclusively\s+|nur\s+|ausschließlich\s+|uniquement\s+|seulement\s+|solo\s+|sólo\s+|solamente\s+|apenas\s+|alleen\s+|tylko\s+|только\s+|endast\s+)?`

// shipFromSentences capture the origin of a sentence ("Ships from X", "Versand aus X").
var shipFromSentences = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^` + shipSubject + `(?:ships?|shipping|is\s+shipped|are\s+shipped|shipped|dispatch(?:es|ed)?|is\s+dispatched|(?:is\s+)?sent|sends?|posted|posts?)\s+(?:out\s+)?from\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:wir\s+)?(?:versand|versenden|verschickt|verschicken|versendet|wird\s+versendet|wird\s+verschickt|lieferung)\s+(?:aus|von|ab)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:nous\s+)?(?:expédié(?:e|s|es)?|expédions|expédition|envoi|envoyé(?:e|s|es)?|envoyons|livré(?:e|s|es)?)\s+(?:depuis|de|d')\s*(.+)$`),
	regexp.MustCompile(`(?i)^(?:se\s+)?(?:envío|envio|enviado|enviada|enviamos|envía|envia|enviados)\s+(?:desde|de)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:spedito|spedita|spedizione|spediamo|spedisce)\s+(?:da|dal|dalla|dall')\s*(.+)$`),
	regexp.MustCompile(`(?i)^(?:wij\s+)?(?:verzonden|verzending|verzenden|wordt\s+verzonden)\s+(?:vanuit|uit|van)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:wysyłka|wysyłamy|wysyłane|wysyłany)\s+z\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:отправка|доставка|отправляем|отправляется|отправляются)\s+из\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:skickas|levereras|vi\s+skickar)\s+från\s+(.+)$`),
}

// shipToSentences capture the destinations of a sentence, the preposition dropped
// ("Ships only to X" -> "X") or the worldwide word kept ("Ships worldwide except X" ->
// "worldwide except X").
var shipToSentences = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^` + shipSubject + `(?:ships?|shipping|is\s+shipped|can\s+be\s+shipped|delivers?|delivery|deliver(?:ing)?|dispatch(?:es)?)\s+` + shipOnly + `(?:to|within|into)\s+(.+)$`),
	regexp.MustCompile(`(?i)^` + shipSubject + `(?:ships?|shipping|is\s+shipped|delivers?|delivery|dispatch(?:es)?)\s+((?:world\s?wide|everywhere|internationally|globally|anywhere)\b.*)$`),
	regexp.MustCompile(`(?i)^(?:free\s+)?((?:world\s?wide|international)\s+(?:shipping|delivery)\b.*)$`),
	regexp.MustCompile(`(?i)^(?:wir\s+)?(?:versand|versenden|lieferung|liefern|verschicken)\s+` + shipOnly + `(?:nach|in\s+die|in\s+den|innerhalb)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:wir\s+)?(?:versand|versenden|lieferung|liefern|verschicken)\s+(weltweit\b.*)$`),
	regexp.MustCompile(`(?i)^(?:nous\s+)?(?:livraison|livrons|expédition|expédions|expédié(?:e|s|es)?|envoi|envoyons)\s+` + shipOnly + `(?:vers|en|à|au|aux|dans|partout\s+dans)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:nous\s+)?(?:livraison|livrons|expédition|expédions|envoi)\s+((?:internationale|mondiale|partout)\b.*)$`),
	regexp.MustCompile(`(?i)^(?:envío|envio|envíos|envios|enviamos|entrega|entregamos)\s+` + shipOnly + `(?:a|al|hacia|para|en)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:envío|envio|envíos|envios|enviamos|entrega)\s+((?:mundial|internacional)\b.*)$`),
	regexp.MustCompile(`(?i)^(?:spedizione|spediamo|spedisce|spedito|spedita)\s+` + shipOnly + `(?:in|verso|a|nel|nella)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:wij\s+)?(?:verzending|verzenden|levering|leveren|verzonden)\s+` + shipOnly + `(?:naar|binnen)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:wysyłka|wysyłamy|dostawa)\s+` + shipOnly + `(?:do|na|po)\s+(.+)$`),
	regexp.MustCompile(`(?i)^(?:доставка|отправка|отправляем|доставляем)\s+` + shipOnly + `((?:в|во|по)\s+.+)$`),
	regexp.MustCompile(`(?i)^(?:skickas|levereras|vi\s+skickar)\s+` + shipOnly + `(?:till|inom)\s+(.+)$`),
}

// shipSentence reads one sentence: its origin or its destinations ("" when it states
// neither).
func shipSentence(s string) (from, to string) {
	s = strings.TrimSpace(strings.TrimRight(s, ".!; "))
	if s == "" || len(s) > 200 {
		return "", ""
	}
	for _, re := range shipFromSentences {
		if m := re.FindStringSubmatch(s); m != nil {
			return strings.TrimSpace(m[1]), ""
		}
	}
	for _, re := range shipToSentences {
		if m := re.FindStringSubmatch(s); m != nil {
			return "", strings.TrimSpace(m[1])
		}
	}
	return "", ""
}

// sentenceSplitRe splits a short text into sentences: at ". ", "! ", ";" and line ends.
var sentenceSplitRe = regexp.MustCompile(`[.!;]\s+|\n|[.!;]$`)

// shipSentences finds shipping sentences in the page's own blocks (not in the page header,
// in repeated cards or in another record's block) and returns the first origin and the
// first destinations they state, each named place checked with the country parser.
func shipSentences(pc *pageCtx) (from, to string) {
	if len(pc.doc.Nodes) == 0 {
		return "", ""
	}
	if ix := pc.index(); ix.textOK && !shipWordRe.mayMatch(ix.text) {
		// every word shipWordRe finds in a text node is in the page text (cleaning only
		// changes white space): without one of its literals there, no text node states
		// shipping
		return "", ""
	}
	seen := map[*html.Node]bool{}
	walkText(pc.doc.Nodes[0], pc.cardRoots, maxWalkNodes, func(e *html.Node) bool {
		if len(e.Data) > 400 || !shipWordRe.MatchString(e.Data) {
			return false
		}
		block := e.Parent
		if block == nil || seen[block] {
			return false
		}
		seen[block] = true
		text := e.Data
		if pc.textWithin(block, 400) {
			text = pc.nodeText(block)
		}
		if inHeader(e.Parent) || pc.foreign(e.Parent) {
			return false
		}
		for _, s := range sentenceSplitRe.Split(oneLineKeepBreaks(text), -1) {
			f, t := shipSentence(s)
			if from == "" && f != "" && placeNamed(f) {
				from = f
			}
			if to == "" && t != "" && placeNamed(t) {
				to = t
			}
		}
		return from != "" && to != ""
	})
	return from, to
}

// oneLineKeepBreaks collapses spaces within lines and keeps line breaks.
func oneLineKeepBreaks(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = collapseSpaces(l)
	}
	return strings.Join(lines, "\n")
}

// placeNamed reports whether s names a country, a region or "worldwide".
func placeNamed(s string) bool { return len(country.Parse(s)) > 0 }

// worldwideWordsRe is a place text that is a worldwide phrase ("worldwide", "all
// countries", "everywhere" ...), alone or with an exception ("except China", kept).
var worldwideWordsRe = regexp.MustCompile(`(?i)^(?:world\s?wide|all\s+countries|everywhere|anywhere|internationally|globally)((?:\s+(?:except|but|excluding)\b.*)?)$`)

// placeText is a ships-from or ships-to text as the listing's place: the words of a
// sentence's end dropped ("Germany." -> "Germany"), a worldwide phrase written "Worldwide"
// ("all countries", "worldwide except China" -> "Worldwide except China") and a list of
// places joined by "and" written as a list ("Australia and France" -> "Australia,
// France"). Other texts are kept as they are.
func placeText(s string) string {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".!;,:"))
	if s == "" {
		return s
	}
	if m := worldwideWordsRe.FindStringSubmatch(s); m != nil {
		return "Worldwide" + m[1]
	}
	if !strings.Contains(s, " and ") || strings.Contains(strings.ToLower(s), "except") {
		return s
	}
	var parts []string
	for _, p := range strings.Split(s, ",") {
		for _, q := range strings.Split(p, " and ") {
			q = strings.TrimSpace(q)
			if q == "" || len(country.Parse(q)) != 1 {
				return s // not a list of places ("Trinidad and Tobago", "Bosnia and Herzegovina")
			}
			parts = append(parts, q)
		}
	}
	if len(country.Parse(s)) != len(parts) {
		return s
	}
	return strings.Join(parts, ", ")
}
