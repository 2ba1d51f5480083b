package delivery

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// text is a notification's title and body templates in one language. {name} stands for params[name].
type text struct{ title, body string }

// catalog holds the text Homekeep writes itself, per language and kind, so a push reads in its device's
// language. English is what the feed rows hold (TestEnglishCatalogMatchesTheFeed renders each writer's params
// and compares); German proves the mechanism. A language not here gets the feed's English text.
var catalog = map[string]map[string]text{
	"en": {
		"task_assigned":       {"Task assigned to you", `{actor} assigned you "{task}"`},
		"task_completed":      {"Task completed", `{actor} completed "{task}"`},
		"member_joined":       {"New member", "{member} joined {residence}"},
		"task_due_soon":       {"Due tomorrow: {item}", `"{item}" is due on {date}`},
		"task_overdue":        {"Overdue: {item}", `"{item}" was due on {date}`},
		"warranty_expiring":   {"Warranty expires in {days} days: {item}", `The warranty "{item}" expires on {date}`},
		"warranty_expiring/1": {"Warranty expires in 1 day: {item}", `The warranty "{item}" expires on {date}`},
		"test":                {"Homekeep test", "Push notifications reach this device."},
	},
	"de": {
		"task_assigned":       {"Neue Aufgabe für dich", `{actor} hat dir „{task}“ zugewiesen`},
		"task_completed":      {"Aufgabe erledigt", `{actor} hat „{task}“ erledigt`},
		"member_joined":       {"Neues Mitglied", "{member} ist {residence} beigetreten"},
		"task_due_soon":       {"Morgen fällig: {item}", "„{item}“ ist am {date} fällig"},
		"task_overdue":        {"Überfällig: {item}", "„{item}“ war am {date} fällig"},
		"warranty_expiring":   {"Garantie endet in {days} Tagen: {item}", "Die Garantie „{item}“ endet am {date}"},
		"warranty_expiring/1": {"Garantie endet in 1 Tag: {item}", "Die Garantie „{item}“ endet am {date}"},
		"test":                {"Homekeep-Test", "Push-Benachrichtigungen erreichen dieses Gerät."},
	},
}

// dateLayouts write a date the way each language reads it.
var dateLayouts = map[string]string{"en": time.DateOnly, "de": "02.01.2006"}

// language is the catalog language of a BCP 47 locale ("de-AT" → "de"); "" when the catalog lacks it.
func language(locale string) string {
	lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(locale)), "-")
	lang, _, _ = strings.Cut(lang, "_")
	if _, ok := catalog[lang]; ok {
		return lang
	}
	return ""
}

// Localize returns the title and body of a notification of kind with params in locale's language; ok is
// false when it cannot (a language or kind not in the catalog, a param missing), and the caller keeps the
// feed's text.
func Localize(locale, kind string, params []byte) (title, body string, ok bool) {
	lang := language(locale)
	if lang == "" {
		return "", "", false
	}
	var p map[string]any
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return "", "", false
		}
	}
	key := kind
	if d, isNum := p["days"].(float64); isNum && d == 1 {
		key = kind + "/1"
	}
	t, found := catalog[lang][key]
	if !found {
		t, found = catalog[lang][kind]
	}
	if !found {
		return "", "", false
	}
	title, ok1 := fill(t.title, p, lang)
	body, ok2 := fill(t.body, p, lang)
	return truncate(title, 200), truncate(body, 2000), ok1 && ok2
}

// fill replaces each {name} in tmpl with p[name]; false when one is missing.
func fill(tmpl string, p map[string]any, lang string) (string, bool) {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String(), true
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		v, ok := p[name]
		if !ok {
			return "", false
		}
		b.WriteString(paramText(name, v, lang))
		tmpl = tmpl[i+j+1:]
	}
}

// paramText writes one param: dates in the language's layout, numbers without a fraction.
func paramText(name string, v any, lang string) string {
	switch v := v.(type) {
	case string:
		if name == "date" {
			if d, err := time.Parse(time.DateOnly, v); err == nil {
				return d.Format(dateLayouts[lang])
			}
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// truncate cuts s to at most n characters, as the feed's columns are.
func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
