package adminweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// lookupKind is one tab of the lookups page: a kind of the admin API with the fields its rows have.
type lookupKind struct {
	Kind        adminoas.LookupKind
	Label       string
	One         string // what one row is called ("task category")
	HasIcon     bool
	HasColor    bool
	HasLevel    bool
	HasInterval bool
}

// lookupKinds are the tabs in order. Task statuses are fixed by the board's columns, so they have no tab.
var lookupKinds = []lookupKind{
	{Kind: adminoas.LookupKindResidenceTypes, Label: "Residence types", One: "residence type"},
	{Kind: adminoas.LookupKindTaskCategories, Label: "Task categories", One: "task category", HasIcon: true, HasColor: true},
	{Kind: adminoas.LookupKindTaskPriorities, Label: "Priorities", One: "priority", HasLevel: true, HasColor: true},
	{Kind: adminoas.LookupKindTaskFrequencies, Label: "Frequencies", One: "frequency", HasInterval: true},
	{Kind: adminoas.LookupKindContractorSpecialties, Label: "Contractor specialties", One: "contractor specialty"},
}

func findLookupKind(s string) (lookupKind, bool) {
	for _, k := range lookupKinds {
		if string(k.Kind) == s {
			return k, true
		}
	}
	return lookupKind{}, false
}

// lookupForm is what a lookup form shows: the values typed (kept when the form is refused) and its errors.
type lookupForm struct {
	Name, Icon, Color, Level, Interval string
	Err                                formError
}

func lookupFormOf(l adminoas.Lookup) lookupForm {
	f := lookupForm{Name: l.Name, Icon: l.Icon.Or(""), Color: l.Color.Or("")}
	if v, ok := l.Level.Get(); ok {
		f.Level = strconv.FormatInt(int64(v), 10)
	}
	if v, ok := l.IntervalDays.Get(); ok {
		f.Interval = strconv.FormatInt(int64(v), 10)
	}
	return f
}

func lookupFormFrom(r *http.Request) lookupForm {
	return lookupForm{Name: strings.TrimSpace(r.PostFormValue("name")), Icon: strings.TrimSpace(r.PostFormValue("icon")),
		Color: strings.ToLower(strings.TrimSpace(r.PostFormValue("color"))), Level: strings.TrimSpace(r.PostFormValue("level")),
		Interval: strings.TrimSpace(r.PostFormValue("interval_days"))}
}

// numbers reads the form's level and interval as the kind has them; a value that is not a whole number is a
// field error. An empty interval is a one-time frequency (null).
func (f lookupForm) numbers(k lookupKind) (level adminoas.OptInt32, interval adminoas.OptNilInt32, fe formError, ok bool) {
	bad := map[string]string{}
	if k.HasLevel && f.Level != "" {
		n, err := strconv.ParseInt(f.Level, 10, 32)
		if err != nil {
			bad["level"] = "must be a whole number"
		}
		level = adminoas.NewOptInt32(int32(n))
	}
	if k.HasInterval {
		if f.Interval == "" {
			interval.SetToNull()
		} else {
			n, err := strconv.ParseInt(f.Interval, 10, 32)
			if err != nil {
				bad["interval_days"] = "must be a whole number of days, or empty for a one-time task"
			}
			interval.SetTo(int32(n))
		}
	}
	if len(bad) > 0 {
		return level, interval, fieldsError(bad), false
	}
	return level, interval, formError{}, true
}

// lookupInvalid is invalidBody with the color's pattern said in words.
func lookupInvalid(operation string, err error) formError {
	fe := invalidBody(operation, err)
	if _, ok := fe.Fields["color"]; ok {
		fe.Fields["color"] = "must be # and six hex digits, like #64748b"
	}
	return fe
}

// lookupRowView is one row of a tab, with whether it can move up or down.
type lookupRowView struct {
	adminoas.Lookup
	First, Last bool
}

type lookupsView struct {
	Tabs []lookupKind
	Kind lookupKind
	Rows []lookupRowView
	// The form under the list: a new row's, or the row being edited (Editing) when the page is a row's.
	Form    lookupForm
	Editing *adminoas.Lookup
	Action  string
	CSRF    string
}

// lookupsPage shows one kind's tab: /admin/lookups (the first kind), /admin/lookups?kind=... or /admin/lookups/{kind}.
func (p *Panel) lookupsPage(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "kind")
	if name == "" {
		name = r.URL.Query().Get("kind")
	}
	if name == "" {
		name = string(lookupKinds[0].Kind)
	}
	k, ok := findLookupKind(name)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such kind of lookup.")
		return
	}
	p.showLookups(w, r, k, 0, http.StatusOK, nil)
}

func (p *Panel) lookupRows(r *http.Request, k lookupKind) ([]adminoas.Lookup, error) {
	res, err := p.admin.ListLookups(r.Context(), adminoas.ListLookupsParams{Kind: k.Kind})
	if err != nil {
		return nil, err
	}
	list, ok := res.(*adminoas.LookupList)
	if !ok {
		return nil, fmt.Errorf("admin panel: unexpected answer %T listing %s", res, k.Kind)
	}
	return list.Items, nil
}

// showLookups renders kind's tab. With editID it is that row's page: the form edits the row. form is what a
// refused post typed, shown again with its errors (nil: an empty form, or the row's values).
func (p *Panel) showLookups(w http.ResponseWriter, r *http.Request, k lookupKind, editID int64, status int, form *lookupForm) {
	rows, err := p.lookupRows(r, k)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := lookupsView{Tabs: lookupKinds, Kind: k, Action: lookupsPath(k), CSRF: sessionFrom(r).csrf}
	for i, l := range rows {
		v.Rows = append(v.Rows, lookupRowView{Lookup: l, First: i == 0, Last: i == len(rows)-1})
		if l.ID == editID {
			v.Editing = &rows[i]
			v.Form, v.Action = lookupFormOf(l), lookupPath(k, l.ID)
		}
	}
	if editID != 0 && v.Editing == nil {
		p.renderError(w, r, http.StatusNotFound, "There is no such "+k.One+".")
		return
	}
	if form != nil {
		v.Form = *form
	}
	title := "Lookups: " + k.Label
	if v.Editing != nil {
		title = "Edit " + k.One + " " + strconv.Quote(v.Editing.Name)
	}
	p.render(w, r, status, "lookups", page{Title: title, Data: v})
}

// kindAndID reads the {kind} and {id} of a lookup URL; an unknown kind or a malformed id is a 404.
func (p *Panel) kindAndID(w http.ResponseWriter, r *http.Request, needID bool) (lookupKind, int64, bool) {
	k, ok := findLookupKind(chi.URLParam(r, "kind"))
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such kind of lookup.")
		return k, 0, false
	}
	if !needID {
		return k, 0, true
	}
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such "+k.One+".")
		return k, 0, false
	}
	return k, id, true
}

func lookupsPath(k lookupKind) string { return Prefix + "/lookups/" + string(k.Kind) }

func lookupPath(k lookupKind, id int64) string {
	return lookupsPath(k) + "/" + strconv.FormatInt(id, 10)
}

// createLookup adds a row from the tab's form; a refused field shows next to it on the tab.
func (p *Panel) createLookup(w http.ResponseWriter, r *http.Request) {
	k, _, ok := p.kindAndID(w, r, false)
	if !ok || !p.requireWriter(w, r) {
		return
	}
	f := lookupFormFrom(r)
	level, interval, fe, ok := f.numbers(k)
	if !ok {
		f.Err = fe
		p.showLookups(w, r, k, 0, fe.Status, &f)
		return
	}
	req := adminoas.LookupCreate{Name: f.Name, Level: level}
	if k.HasIcon && f.Icon != "" {
		req.Icon = adminoas.NewOptString(f.Icon)
	}
	if k.HasColor && f.Color != "" {
		req.Color = adminoas.NewOptString(f.Color)
	}
	if k.HasInterval && !interval.Null {
		req.IntervalDays = interval
	}
	if err := req.Validate(); err != nil {
		f.Err = lookupInvalid("CreateLookup", err)
		p.showLookups(w, r, k, 0, f.Err.Status, &f)
		return
	}
	if _, err := p.admin.CreateLookup(r.Context(), &req, adminoas.CreateLookupParams{Kind: k.Kind}); err != nil {
		if fe, ok := asFormError(err); ok && fe.Status != http.StatusForbidden {
			f.Err = fe
			p.showLookups(w, r, k, 0, fe.Status, &f)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, lookupsPath(k), fmt.Sprintf("Added the %s %q.", k.One, f.Name))
}

// lookupPage is a row's page: its kind's tab with the form editing the row.
func (p *Panel) lookupPage(w http.ResponseWriter, r *http.Request) {
	k, id, ok := p.kindAndID(w, r, true)
	if !ok {
		return
	}
	p.showLookups(w, r, k, id, http.StatusOK, nil)
}

// lookupAction runs a row's post: save (no action), move up or down, delete.
func (p *Panel) lookupAction(w http.ResponseWriter, r *http.Request) {
	k, id, ok := p.kindAndID(w, r, true)
	if !ok || !p.requireWriter(w, r) {
		return
	}
	switch chi.URLParam(r, "action") {
	case "":
		p.updateLookup(w, r, k, id)
	case "move":
		p.moveLookup(w, r, k, id)
	case "delete":
		p.deleteLookup(w, r, k, id)
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such action.")
	}
}

func (p *Panel) updateLookup(w http.ResponseWriter, r *http.Request, k lookupKind, id int64) {
	f := lookupFormFrom(r)
	level, interval, fe, ok := f.numbers(k)
	if !ok {
		f.Err = fe
		p.showLookups(w, r, k, id, fe.Status, &f)
		return
	}
	req := adminoas.LookupUpdate{Name: adminoas.NewOptString(f.Name)}
	if k.HasIcon {
		req.Icon = adminoas.NewOptString(f.Icon)
	}
	if k.HasColor && f.Color != "" {
		req.Color = adminoas.NewOptString(f.Color)
	}
	if k.HasLevel {
		req.Level = level
	}
	if k.HasInterval {
		req.IntervalDays = interval
	}
	if err := req.Validate(); err != nil {
		f.Err = lookupInvalid("UpdateLookup", err)
		p.showLookups(w, r, k, id, f.Err.Status, &f)
		return
	}
	if _, err := p.admin.UpdateLookup(r.Context(), &req, adminoas.UpdateLookupParams{Kind: k.Kind, ID: id}); err != nil {
		if fe, ok := asFormError(err); ok && fe.Status != http.StatusForbidden && fe.Status != http.StatusNotFound {
			f.Err = fe
			p.showLookups(w, r, k, id, fe.Status, &f)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, lookupsPath(k), fmt.Sprintf("Saved the %s %q.", k.One, f.Name))
}

// moveLookup moves a row one place up or down: the panel computes the kind's new order and sends it whole,
// as the reorder operation takes it.
func (p *Panel) moveLookup(w http.ResponseWriter, r *http.Request, k lookupKind, id int64) {
	up := r.PostFormValue("direction") == "up"
	rows, err := p.lookupRows(r, k)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	ids := make([]int64, 0, len(rows))
	name := ""
	for _, l := range rows {
		ids = append(ids, l.ID)
		if l.ID == id {
			name = l.Name
		}
	}
	if name == "" {
		p.renderError(w, r, http.StatusNotFound, "There is no such "+k.One+".")
		return
	}
	order, moved := moveID(ids, id, up)
	where := "down"
	if up {
		where = "up"
	}
	if !moved {
		p.redirectWithFlash(w, r, lookupsPath(k), fmt.Sprintf("%q cannot move further %s.", name, where))
		return
	}
	req := adminoas.LookupOrder{Ids: order}
	if err := req.Validate(); err != nil {
		p.renderError(w, r, http.StatusBadRequest, "This kind has too many rows to reorder here.")
		return
	}
	if _, err := p.admin.ReorderLookups(r.Context(), &req, adminoas.ReorderLookupsParams{Kind: k.Kind}); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, lookupsPath(k), fmt.Sprintf("Moved %q %s.", name, where))
}

// lookupDeleteView is the confirmation page of a row's delete; after a 409 in_use it carries the API's message
// and the other rows of the kind to move the uses to.
type lookupDeleteView struct {
	Kind    lookupKind
	Row     adminoas.Lookup
	InUse   string
	Others  []adminoas.Lookup
	Replace int64
	Err     formError
}

func (p *Panel) confirmLookupDelete(w http.ResponseWriter, r *http.Request) {
	k, id, ok := p.kindAndID(w, r, true)
	if !ok {
		return
	}
	p.showLookupDelete(w, r, k, id, http.StatusOK, lookupDeleteView{})
}

func (p *Panel) showLookupDelete(w http.ResponseWriter, r *http.Request, k lookupKind, id int64, status int, v lookupDeleteView) {
	rows, err := p.lookupRows(r, k)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v.Kind = k
	found := false
	for _, l := range rows {
		if l.ID == id {
			v.Row, found = l, true
		} else {
			v.Others = append(v.Others, l)
		}
	}
	if !found {
		p.renderError(w, r, http.StatusNotFound, "There is no such "+k.One+".")
		return
	}
	p.render(w, r, status, "lookup-delete", page{Title: "Delete " + k.One + " " + strconv.Quote(v.Row.Name) + "?", Data: v})
}

// deleteLookup deletes a row; when it is in use, the confirmation page comes back with the API's count and a
// choice of the row to move its uses to, and the next post sends that as replace_with.
func (p *Panel) deleteLookup(w http.ResponseWriter, r *http.Request, k lookupKind, id int64) {
	rows, err := p.lookupRows(r, k)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	names := make(map[int64]string, len(rows))
	for _, l := range rows {
		names[l.ID] = l.Name
	}
	params := adminoas.DeleteLookupParams{Kind: k.Kind, ID: id}
	var replace int64
	if s := r.PostFormValue("replace_with"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			p.showLookupDelete(w, r, k, id, http.StatusBadRequest, lookupDeleteView{InUse: "Choose where its uses go.",
				Err: fieldsError(map[string]string{"replace_with": "must be one of the rows listed"})})
			return
		}
		replace = n
		params.ReplaceWith = adminoas.NewOptInt64(n)
	}
	if _, err := p.admin.DeleteLookup(r.Context(), params); err != nil {
		e := apierror.From(err)
		switch {
		case e.Code == "in_use":
			// The API's message ends with how to call it with replace_with; the page asks with its select instead.
			usedBy, _, _ := strings.Cut(e.Message, "; delete it with replace_with")
			p.showLookupDelete(w, r, k, id, e.Status, lookupDeleteView{InUse: usedBy + ". Choose where they go, then delete."})
		case e.Status == http.StatusBadRequest:
			p.showLookupDelete(w, r, k, id, e.Status, lookupDeleteView{InUse: "Choose where its uses go.",
				Replace: replace, Err: formError{Message: e.Message, Fields: e.Fields, Status: e.Status}})
		default:
			p.fail(w, r, err)
		}
		return
	}
	done := fmt.Sprintf("Deleted the %s %q.", k.One, names[id])
	if replace != 0 {
		done = fmt.Sprintf("Deleted the %s %q; its uses moved to %q.", k.One, names[id], names[replace])
	}
	p.redirectWithFlash(w, r, lookupsPath(k), done)
}
