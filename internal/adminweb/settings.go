package adminweb

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/ogen-go/ogen/ogenerrors"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// settingsOperation is the admin API operation the settings forms go through; a refused body is described
// as ogen's decoder would describe it for that operation.
const settingsOperation = "AdminSettingsUpdate"

// blankFeatureRows is how many empty rows the comparison table's form offers for adding rows.
const blankFeatureRows = 2

// tierNames are the tiers the settings page lists, in order.
var tierNames = []string{"free", "pro"}

// limitNames are a tier's limits, in the order the page lists them, with their labels.
var limitNames = []struct{ Name, Label string }{
	{"residences", "Residences (per owner)"},
	{"tasks", "Tasks (per residence)"},
	{"contractors", "Contractors (per owner)"},
	{"documents", "Documents (per residence)"},
	{"file_bytes", "Storage in bytes (per residence)"},
}

// triggerLabels name the limit each upgrade trigger is shown for.
var triggerLabels = map[string]string{"residences": "Residences limit", "tasks": "Tasks limit",
	"contractors": "Contractors limit", "documents": "Documents limit", "file_bytes": "Storage limit"}

// settingsView is the settings page: every section's form with its values (what the admin typed, when a
// post was refused) and its own error.
type settingsView struct {
	Limitations bool
	Tiers       []tierInputs
	Triggers    []triggerInput
	Features    []featureInput
	Hour        string
	// Errs holds the refused section's error, by section (limitations, tiers, triggers, features, reminders).
	Errs map[string]formError
}

type tierInputs struct {
	Tier   string
	Limits []limitInput
}

// limitInput is one number box; its Name is the API's field name (tiers.free.tasks), which is also the
// form's, so a refusal naming the field lands next to it.
type limitInput struct {
	Name, Label, Value string
}

type triggerInput struct {
	Index      int
	Key        string
	Label      string
	Title      string
	Body       string
	TitleField string
	BodyField  string
}

type featureInput struct {
	Index            int
	Title, Free, Pro string
}

// newSettingsView fills every form from s.
func newSettingsView(s *adminoas.Settings) settingsView {
	v := settingsView{Limitations: s.LimitationsEnabled, Hour: strconv.Itoa(s.ReminderDefaults.Hour),
		Errs: map[string]formError{}}
	for _, tier := range tierNames {
		limits := s.Tiers.Free
		if tier == "pro" {
			limits = s.Tiers.Pro
		}
		values := map[string]string{"residences": nilIntText(limits.Residences), "tasks": nilIntText(limits.Tasks),
			"contractors": nilIntText(limits.Contractors), "documents": nilIntText(limits.Documents)}
		if n, ok := limits.FileBytes.Get(); ok {
			values["file_bytes"] = strconv.FormatInt(n, 10)
		}
		ti := tierInputs{Tier: tier}
		for _, l := range limitNames {
			ti.Limits = append(ti.Limits, limitInput{Name: "tiers." + tier + "." + l.Name, Label: l.Label, Value: values[l.Name]})
		}
		v.Tiers = append(v.Tiers, ti)
	}
	for i, t := range s.UpgradeTriggers {
		v.Triggers = append(v.Triggers, newTriggerInput(i, string(t.Key), t.Title, t.Body))
	}
	for i, f := range s.Features {
		v.Features = append(v.Features, featureInput{Index: i, Title: f.Title, Free: f.Free, Pro: f.Pro})
	}
	for range blankFeatureRows {
		v.Features = append(v.Features, featureInput{Index: len(v.Features)})
	}
	return v
}

func newTriggerInput(i int, key, title, body string) triggerInput {
	prefix := "upgrade_triggers." + strconv.Itoa(i) + "."
	return triggerInput{Index: i, Key: key, Label: triggerLabels[key], Title: title, Body: body, TitleField: prefix + "title", BodyField: prefix + "body"}
}

func nilIntText(n adminoas.NilInt) string {
	if v, ok := n.Get(); ok {
		return strconv.Itoa(v)
	}
	return ""
}

// fetchSettings reads the settings through the admin API's code.
func (p *Panel) fetchSettings(w http.ResponseWriter, r *http.Request) (*adminoas.Settings, bool) {
	res, err := p.admin.AdminSettingsGet(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	s, ok := res.(*adminoas.Settings)
	if !ok {
		p.unexpected(w, r, res)
		return nil, false
	}
	return s, true
}

func (p *Panel) settingsPage(w http.ResponseWriter, r *http.Request) {
	s, ok := p.fetchSettings(w, r)
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "settings", page{Title: "Settings", Data: newSettingsView(s)})
}

// settingsAction applies one section's form; a refusal re-renders the page with what was typed in that
// section and the error next to its fields, and nothing is changed.
func (p *Panel) settingsAction(w http.ResponseWriter, r *http.Request) {
	if !p.requireWriter(w, r) {
		return
	}
	section := chi.URLParam(r, "section")
	switch section {
	case "seed-lookups":
		p.seedLookups(w, r)
		return
	case "clear-cache":
		p.clearCache(w, r)
		return
	}
	before, ok := p.fetchSettings(w, r)
	if !ok {
		return
	}
	v := newSettingsView(before)
	var req adminoas.SettingsPatch
	var fe formError
	var done string
	switch section {
	case "limitations":
		value := r.PostFormValue("limitations_enabled")
		if value != "on" && value != "off" {
			fe = formError{Message: "Nothing was saved: the switch must be on or off.", Status: http.StatusBadRequest,
				Fields: map[string]string{"limitations_enabled": "must be on or off"}}
		}
		on := value == "on"
		req.LimitationsEnabled = adminoas.NewOptBool(on)
		done = "Limitations are off: every tier is unlimited."
		if on {
			done = "Limitations are on: each tier's limits apply."
		}
	case "tiers":
		fe = readTiers(r, &v, &req)
		done = "Tier limits saved."
	case "triggers":
		readTriggers(r, &v, &req)
		done = "Upgrade texts saved."
	case "features":
		fe = readFeatures(r, &v, &req)
		done = "Comparison table saved."
	case "reminders":
		v.Hour = strings.TrimSpace(r.PostFormValue("reminder_defaults.hour"))
		hour, err := strconv.Atoi(v.Hour)
		if err != nil {
			fe = fieldsError(map[string]string{"reminder_defaults.hour": "must be a whole number from 0 to 23"})
		}
		req.ReminderDefaults = adminoas.NewOptReminderDefaults(adminoas.ReminderDefaults{Hour: hour})
		done = "Default reminder hour set to " + v.Hour + ":00."
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such setting.")
		return
	}
	if fe.Fields == nil {
		if err := req.Validate(); err != nil {
			fe = settingsFieldsError(err)
		}
	}
	if fe.Fields != nil {
		p.refuseSettings(w, r, v, section, fe)
		return
	}
	res, err := p.admin.AdminSettingsUpdate(r.Context(), &req)
	if err != nil {
		if fe, ok := asFormError(err); ok && fe.Status != http.StatusForbidden {
			fe.Message = "Nothing was saved. " + fe.Message
			p.refuseSettings(w, r, v, section, fe)
			return
		}
		p.fail(w, r, err)
		return
	}
	if after, ok := res.(*adminoas.Settings); ok && reflect.DeepEqual(before, after) {
		done = "Nothing changed: the settings already had these values."
	}
	p.redirectWithFlash(w, r, Prefix+"/settings#"+section, done)
}

// refuseSettings shows the settings page with section's form as typed and its error.
func (p *Panel) refuseSettings(w http.ResponseWriter, r *http.Request, v settingsView, section string, fe formError) {
	if fe.Message == "" {
		fe.Message = "Nothing was saved. Check the fields marked below."
	}
	v.Errs[section] = fe
	p.render(w, r, fe.Status, "settings", page{Title: "Settings", Data: v})
}

// settingsFieldsError describes the error of SettingsPatch.Validate as the API would answer it (the fields
// named in full, tiers.free.tasks, as the form's controls are).
func settingsFieldsError(err error) formError {
	e := apierror.From(&ogenerrors.DecodeRequestError{OperationContext: ogenerrors.OperationContext{Name: settingsOperation},
		Err: err})
	return formError{Message: "Nothing was saved. Check the fields marked below.", Fields: e.Fields, Status: http.StatusBadRequest}
}

// readTiers reads every limit box into req (empty: unlimited) and into v as typed.
func readTiers(r *http.Request, v *settingsView, req *adminoas.SettingsPatch) formError {
	fields := map[string]string{}
	var tiers adminoas.SettingsTiersPatch
	for i, tier := range tierNames {
		var patch adminoas.TierLimitsPatch
		for j, l := range limitNames {
			name := "tiers." + tier + "." + l.Name
			text := strings.TrimSpace(r.PostFormValue(name))
			v.Tiers[i].Limits[j].Value = text
			var n int64
			null := text == ""
			if !null {
				var err error
				if n, err = strconv.ParseInt(text, 10, 64); err != nil {
					fields[name] = "must be a whole number, or empty for unlimited"
					continue
				}
			}
			setLimit(&patch, l.Name, n, null)
		}
		if tier == "free" {
			tiers.Free = adminoas.NewOptTierLimitsPatch(patch)
		} else {
			tiers.Pro = adminoas.NewOptTierLimitsPatch(patch)
		}
	}
	req.Tiers = adminoas.NewOptSettingsTiersPatch(tiers)
	if len(fields) > 0 {
		return fieldsError(fields)
	}
	return formError{}
}

// setLimit sets the named limit of patch to n, or to null (unlimited).
func setLimit(patch *adminoas.TierLimitsPatch, name string, n int64, null bool) {
	if name == "file_bytes" {
		patch.FileBytes = adminoas.NewOptNilInt64(n)
		if null {
			patch.FileBytes.SetToNull()
		}
		return
	}
	o := adminoas.NewOptNilInt(int(n))
	if null {
		o.SetToNull()
	}
	switch name {
	case "residences":
		patch.Residences = o
	case "tasks":
		patch.Tasks = o
	case "contractors":
		patch.Contractors = o
	case "documents":
		patch.Documents = o
	}
}

// readTriggers reads every upgrade trigger's title and body, in the page's order, keyed by the hidden key.
func readTriggers(r *http.Request, v *settingsView, req *adminoas.SettingsPatch) {
	for i := range v.Triggers {
		t := &v.Triggers[i]
		t.Title = strings.TrimSpace(r.PostFormValue(t.TitleField))
		t.Body = strings.TrimSpace(r.PostFormValue(t.BodyField))
		req.UpgradeTriggers = append(req.UpgradeTriggers, adminoas.UpgradeTrigger{Key: adminoas.UpgradeTriggerKey(t.Key),
			Title: t.Title, Body: t.Body})
	}
}

// readFeatures reads the comparison table's rows; a row left wholly empty is dropped (how a row is deleted).
// The request numbers the kept rows from 0, so a refusal's field names are turned back into the form's.
func readFeatures(r *http.Request, v *settingsView, req *adminoas.SettingsPatch) formError {
	rows := len(v.Features)
	if n, err := strconv.Atoi(r.PostFormValue("rows")); err == nil && n >= 0 && n <= 50+blankFeatureRows {
		rows = n
	}
	v.Features = v.Features[:0]
	formIndex := []int{}
	for i := range rows {
		prefix := "features." + strconv.Itoa(i) + "."
		f := featureInput{Index: i, Title: strings.TrimSpace(r.PostFormValue(prefix + "title")),
			Free: strings.TrimSpace(r.PostFormValue(prefix + "free")), Pro: strings.TrimSpace(r.PostFormValue(prefix + "pro"))}
		v.Features = append(v.Features, f)
		if f.Title == "" && f.Free == "" && f.Pro == "" {
			continue
		}
		formIndex = append(formIndex, i)
		req.Features = append(req.Features, adminoas.FeatureBenefit{Title: f.Title, Free: f.Free, Pro: f.Pro})
	}
	if req.Features == nil {
		req.Features = []adminoas.FeatureBenefit{}
	}
	if err := req.Validate(); err != nil {
		fe := settingsFieldsError(err)
		fields := make(map[string]string, len(fe.Fields))
		for name, msg := range fe.Fields {
			if rest, ok := strings.CutPrefix(name, "features."); ok {
				if index, field, ok := strings.Cut(rest, "."); ok {
					if n, err := strconv.Atoi(index); err == nil && n < len(formIndex) {
						name = fmt.Sprintf("features.%d.%s", formIndex[n], field)
					}
				}
			}
			fields[name] = msg
		}
		fe.Fields = fields
		return fe
	}
	return formError{}
}

// seedLookups runs the reference-data seed and says what it added.
func (p *Panel) seedLookups(w http.ResponseWriter, r *http.Request) {
	res, err := p.admin.SeedLookups(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	out, ok := res.(*adminoas.SeedResult)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.redirectWithFlash(w, r, Prefix+"/settings#maintenance", seedSummary(out.Added))
}

// seedSummary says in one line how many rows of each kind the seed added.
func seedSummary(a adminoas.LookupCounts) string {
	kinds := []struct {
		name string
		n    int64
	}{
		{"residence types", a.ResidenceTypes}, {"task categories", a.TaskCategories},
		{"task priorities", a.TaskPriorities}, {"task frequencies", a.TaskFrequencies},
		{"contractor specialties", a.ContractorSpecialties}, {"task templates", a.TaskTemplates},
	}
	var total int64
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		total += k.n
		parts = append(parts, fmt.Sprintf("%d %s", k.n, k.name))
	}
	if total == 0 {
		return "Lookups seeded: nothing was missing, 0 rows added."
	}
	return fmt.Sprintf("Lookups seeded: %d rows added (%s).", total, strings.Join(parts, ", "))
}

// confirmClearCache asks before the shared cache is cleared.
func (p *Panel) confirmClearCache(w http.ResponseWriter, r *http.Request) {
	p.confirm(w, r, confirmView{Question: "Clear the shared cache?", Button: "Clear cache",
		Back: Prefix + "/settings#maintenance", Action: Prefix + "/settings/clear-cache", Hidden: url.Values{},
		Detail: "Every server reads users, tokens, boards and reference data from PostgreSQL again until the cache " +
			"fills up; revoked tokens stay revoked and sign-in limits stay."})
}

func (p *Panel) clearCache(w http.ResponseWriter, r *http.Request) {
	res, err := p.admin.AdminCacheClear(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	out, ok := res.(*adminoas.ClearCacheResult)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.redirectWithFlash(w, r, Prefix+"/settings#maintenance", fmt.Sprintf("Cache cleared: %d keys removed.", out.Removed))
}

// Row is the row's number as the page's labels say it (from 1).
func (f featureInput) Row() int { return f.Index + 1 }
