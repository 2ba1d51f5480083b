package adminweb

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// templateCategoryMax bounds how many pages of one category the panel reads to show it in order (200 each,
// the API's largest page): far more templates than a category has.
const templateCategoryMax = 50

// templateCategory is the list's category filter: all templates (All), those without a category (None), or
// one category's (ID).
type templateCategory struct {
	All, None bool
	ID        int64
}

// parseTemplateCategory reads ?category_id=: empty or unreadable is every template, "none" those without one.
func parseTemplateCategory(s string) templateCategory {
	if s == "none" {
		return templateCategory{None: true}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return templateCategory{All: true}
	}
	return templateCategory{ID: id}
}

func (c templateCategory) param() string {
	switch {
	case c.All:
		return ""
	case c.None:
		return "none"
	}
	return strconv.FormatInt(c.ID, 10)
}

func templatesPath(c templateCategory) string {
	if c.All {
		return Prefix + "/templates"
	}
	return Prefix + "/templates?" + url.Values{"category_id": {c.param()}}.Encode()
}

func templatePath(id int64) string { return Prefix + "/templates/" + strconv.FormatInt(id, 10) }

// categoryOf is the category a template is in.
func categoryOf(t adminoas.AdminTaskTemplate) templateCategory {
	if v, ok := t.CategoryID.Get(); ok {
		return templateCategory{ID: v}
	}
	return templateCategory{None: true}
}

// inCategory returns every template of c matching q, in the order the apps show them (display order, then id).
// The API lists by id a page at a time and filters by one category only, so the panel reads every page and
// keeps those without a category itself.
func (p *Panel) inCategory(r *http.Request, c templateCategory, q string) ([]adminoas.AdminTaskTemplate, error) {
	params := adminoas.ListTemplatesParams{Q: optString(q), Limit: adminoas.NewOptInt(200)}
	if !c.None {
		params.CategoryID = adminoas.NewOptInt64(c.ID)
	}
	var out []adminoas.AdminTaskTemplate
	for range templateCategoryMax {
		res, err := p.admin.ListTemplates(r.Context(), params)
		if err != nil {
			return nil, err
		}
		pg, ok := res.(*adminoas.TaskTemplatePage)
		if !ok {
			return nil, fmt.Errorf("admin panel: unexpected answer %T listing task templates", res)
		}
		for _, t := range pg.Items {
			if !c.None || t.CategoryID.Null {
				out = append(out, t)
			}
		}
		next := pg.NextCursor.Or("")
		if next == "" {
			break
		}
		params.Cursor = adminoas.NewOptString(next)
	}
	slices.SortStableFunc(out, func(a, b adminoas.AdminTaskTemplate) int {
		return cmp.Or(cmp.Compare(a.DisplayOrder, b.DisplayOrder), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// templateLookups are the names of the categories and frequencies templates refer to.
type templateLookups struct {
	Categories, Frequencies []adminoas.Lookup
}

func (p *Panel) templateLookups(r *http.Request) (templateLookups, error) {
	var tl templateLookups
	categories, _ := findLookupKind(string(adminoas.LookupKindTaskCategories))
	frequencies, _ := findLookupKind(string(adminoas.LookupKindTaskFrequencies))
	var err error
	if tl.Categories, err = p.lookupRows(r, categories); err != nil {
		return tl, err
	}
	tl.Frequencies, err = p.lookupRows(r, frequencies)
	return tl, err
}

func lookupName(rows []adminoas.Lookup, id adminoas.NilInt64) string {
	v, ok := id.Get()
	if !ok {
		return ""
	}
	for _, l := range rows {
		if l.ID == v {
			return l.Name
		}
	}
	return "#" + strconv.FormatInt(v, 10)
}

// templateRowView is one row of the list with its category's and frequency's names.
type templateRowView struct {
	adminoas.AdminTaskTemplate
	Category, Frequency string
	First, Last         bool
}

type taskTemplatesView struct {
	Q        string
	Category string // the filter as the select has it: "", "none" or an id
	// Ordered is a category's list: every template of it in the apps' order, with the move buttons.
	Ordered bool
	Rows    []templateRowView
	Pager   pager
	templateLookups
	CSRF string
}

func (p *Panel) taskTemplatesPage(w http.ResponseWriter, r *http.Request) {
	c := parseTemplateCategory(r.URL.Query().Get("category_id"))
	v := taskTemplatesView{Q: searchParam(r), Category: c.param(), Ordered: !c.All, CSRF: sessionFrom(r).csrf}
	if len(v.Q) > 100 { // the API's bound on q
		v.Q = v.Q[:100]
	}
	tl, err := p.templateLookups(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v.templateLookups = tl
	var items []adminoas.AdminTaskTemplate
	if c.All {
		cursor := r.URL.Query().Get("cursor")
		res, err := p.admin.ListTemplates(r.Context(), adminoas.ListTemplatesParams{Q: optString(v.Q),
			Cursor: optString(cursor), Limit: adminoas.NewOptInt(listLimit)})
		if err != nil {
			p.fail(w, r, err)
			return
		}
		pg, ok := res.(*adminoas.TaskTemplatePage)
		if !ok {
			p.unexpected(w, r, res)
			return
		}
		items = pg.Items
		v.Pager = newPager(Prefix+"/templates", r.URL.Query(), pg.Total, cursor, pg.NextCursor.Or(""))
	} else {
		if items, err = p.inCategory(r, c, v.Q); err != nil {
			p.fail(w, r, err)
			return
		}
		v.Pager = pager{Total: int64(len(items))}
	}
	for i, t := range items {
		v.Rows = append(v.Rows, templateRowView{AdminTaskTemplate: t, Category: lookupName(tl.Categories, t.CategoryID),
			Frequency: lookupName(tl.Frequencies, t.FrequencyID), First: i == 0, Last: i == len(items)-1})
	}
	p.render(w, r, http.StatusOK, "task-templates", page{Title: "Task templates", Data: v})
}

// templateForm is what the template form shows: the values typed (kept when refused) and its errors.
type templateForm struct {
	Title, Description, Icon, Tags string
	CategoryID, FrequencyID        int64 // 0: none
	Active                         bool
	Err                            formError
}

func templateFormOf(t adminoas.AdminTaskTemplate) templateForm {
	return templateForm{Title: t.Title, Description: t.Description, Icon: t.Icon, Tags: strings.Join(t.Tags, ", "),
		CategoryID: t.CategoryID.Or(0), FrequencyID: t.FrequencyID.Or(0), Active: t.IsActive}
}

// templateFormFrom reads the posted form; a category or frequency that is not a number is a field error.
func templateFormFrom(r *http.Request) (templateForm, bool) {
	f := templateForm{Title: strings.TrimSpace(r.PostFormValue("title")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Icon: strings.TrimSpace(r.PostFormValue("icon")), Tags: r.PostFormValue("tags"), Active: r.PostFormValue("is_active") != ""}
	bad := map[string]string{}
	for _, ref := range []struct {
		field string
		into  *int64
	}{{"category_id", &f.CategoryID}, {"frequency_id", &f.FrequencyID}} {
		s := r.PostFormValue(ref.field)
		if s == "" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 {
			bad[ref.field] = "must be one of the choices listed"
			continue
		}
		*ref.into = n
	}
	if len(bad) > 0 {
		f.Err = fieldsError(bad)
		return f, false
	}
	return f, true
}

// tagList splits the comma-separated tags, dropping blank ones.
func (f templateForm) tagList() []string {
	tags := []string{}
	for t := range strings.SplitSeq(f.Tags, ",") {
		if t = strings.TrimSpace(t); t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

func nilID(id int64) adminoas.OptNilInt64 {
	var v adminoas.OptNilInt64
	if id == 0 {
		v.SetToNull()
	} else {
		v.SetTo(id)
	}
	return v
}

type taskTemplateView struct {
	T    *adminoas.AdminTaskTemplate // nil on the new template's page
	Form templateForm
	// Category and Frequency name T's, for a viewer's read-only page.
	Category, Frequency string
	templateLookups
	Action string
	CSRF   string
}

func (p *Panel) newTaskTemplatePage(w http.ResponseWriter, r *http.Request) {
	f := templateForm{Active: true, CategoryID: parseTemplateCategory(r.URL.Query().Get("category_id")).ID}
	p.showTaskTemplate(w, r, nil, http.StatusOK, f)
}

func (p *Panel) taskTemplatePage(w http.ResponseWriter, r *http.Request) {
	t, ok := p.loadTemplate(w, r)
	if !ok {
		return
	}
	p.showTaskTemplate(w, r, t, http.StatusOK, templateFormOf(*t))
}

// loadTemplate reads the template of the URL's {id}, showing the error page when there is none.
func (p *Panel) loadTemplate(w http.ResponseWriter, r *http.Request) (*adminoas.AdminTaskTemplate, bool) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such task template.")
		return nil, false
	}
	res, err := p.admin.GetTemplate(r.Context(), adminoas.GetTemplateParams{ID: id})
	if err != nil {
		p.fail(w, r, err)
		return nil, false
	}
	t, ok := res.(*adminoas.AdminTaskTemplate)
	if !ok {
		p.unexpected(w, r, res)
		return nil, false
	}
	return t, true
}

// showTaskTemplate renders the form page of t (nil: a new template) with f.
func (p *Panel) showTaskTemplate(w http.ResponseWriter, r *http.Request, t *adminoas.AdminTaskTemplate, status int, f templateForm) {
	tl, err := p.templateLookups(r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	v := taskTemplateView{T: t, Form: f, templateLookups: tl, Action: Prefix + "/templates", CSRF: sessionFrom(r).csrf}
	title := "New task template"
	if t != nil {
		v.Action, title = templatePath(t.ID), "Task template "+strconv.Quote(t.Title)
		v.Category, v.Frequency = lookupName(tl.Categories, t.CategoryID), lookupName(tl.Frequencies, t.FrequencyID)
	}
	p.render(w, r, status, "task-template", page{Title: title, Data: v})
}

func (p *Panel) createTaskTemplate(w http.ResponseWriter, r *http.Request) {
	if !p.requireWriter(w, r) {
		return
	}
	f, ok := templateFormFrom(r)
	if !ok {
		p.showTaskTemplate(w, r, nil, f.Err.Status, f)
		return
	}
	req := adminoas.TaskTemplateCreate{Title: f.Title, Description: adminoas.NewOptString(f.Description),
		CategoryID: nilID(f.CategoryID), FrequencyID: nilID(f.FrequencyID), Icon: adminoas.NewOptString(f.Icon),
		Tags: f.tagList(), IsActive: adminoas.NewOptBool(f.Active)}
	if err := req.Validate(); err != nil {
		f.Err = invalidBody("CreateTemplate", err)
		p.showTaskTemplate(w, r, nil, f.Err.Status, f)
		return
	}
	res, err := p.admin.CreateTemplate(r.Context(), &req)
	if err != nil {
		if fe, ok := asFormError(err); ok && fe.Status != http.StatusForbidden {
			f.Err = fe
			p.showTaskTemplate(w, r, nil, fe.Status, f)
			return
		}
		p.fail(w, r, err)
		return
	}
	t, ok := res.(*adminoas.AdminTaskTemplate)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.redirectWithFlash(w, r, templatePath(t.ID), fmt.Sprintf("Added the template %q.", t.Title))
}

// taskTemplateAction runs a template's post: save (no action), activate, deactivate, move, delete.
func (p *Panel) taskTemplateAction(w http.ResponseWriter, r *http.Request) {
	if !p.requireWriter(w, r) {
		return
	}
	t, ok := p.loadTemplate(w, r)
	if !ok {
		return
	}
	var err error
	done := ""
	switch chi.URLParam(r, "action") {
	case "":
		p.updateTaskTemplate(w, r, t)
		return
	case "move":
		p.moveTaskTemplate(w, r, t)
		return
	case "activate":
		_, err = p.admin.ActivateTemplate(r.Context(), adminoas.ActivateTemplateParams{ID: t.ID})
		done = "Template active: the apps offer it."
	case "deactivate":
		_, err = p.admin.DeactivateTemplate(r.Context(), adminoas.DeactivateTemplateParams{ID: t.ID})
		done = "Template inactive: the apps no longer offer it."
	case "delete":
		if _, err := p.admin.DeleteTemplate(r.Context(), adminoas.DeleteTemplateParams{ID: t.ID}); err != nil {
			p.fail(w, r, err)
			return
		}
		p.redirectWithFlash(w, r, Prefix+"/templates", fmt.Sprintf("Deleted the template %q.", t.Title))
		return
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, templatePath(t.ID), done)
}

func (p *Panel) updateTaskTemplate(w http.ResponseWriter, r *http.Request, t *adminoas.AdminTaskTemplate) {
	f, ok := templateFormFrom(r)
	f.Active = t.IsActive
	if !ok {
		p.showTaskTemplate(w, r, t, f.Err.Status, f)
		return
	}
	req := adminoas.TaskTemplateUpdate{Title: adminoas.NewOptString(f.Title), Description: adminoas.NewOptString(f.Description),
		CategoryID: nilID(f.CategoryID), FrequencyID: nilID(f.FrequencyID), Icon: adminoas.NewOptString(f.Icon),
		Tags: f.tagList()}
	if err := req.Validate(); err != nil {
		f.Err = invalidBody("UpdateTemplate", err)
		p.showTaskTemplate(w, r, t, f.Err.Status, f)
		return
	}
	if _, err := p.admin.UpdateTemplate(r.Context(), &req, adminoas.UpdateTemplateParams{ID: t.ID}); err != nil {
		if fe, ok := asFormError(err); ok && fe.Status != http.StatusForbidden && fe.Status != http.StatusNotFound {
			f.Err = fe
			p.showTaskTemplate(w, r, t, fe.Status, f)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, templatePath(t.ID), fmt.Sprintf("Saved the template %q.", f.Title))
}

// moveTaskTemplate moves a template one place up or down within its category: the panel computes the
// category's whole new order and calls the reorder operation with it.
func (p *Panel) moveTaskTemplate(w http.ResponseWriter, r *http.Request, t *adminoas.AdminTaskTemplate) {
	up := r.PostFormValue("direction") == "up"
	c := categoryOf(*t)
	all, err := p.inCategory(r, c, "")
	if err != nil {
		p.fail(w, r, err)
		return
	}
	ids := make([]int64, 0, len(all))
	for _, x := range all {
		ids = append(ids, x.ID)
	}
	order, moved := moveID(ids, t.ID, up)
	where := "down"
	if up {
		where = "up"
	}
	if !moved {
		p.redirectWithFlash(w, r, templatesPath(c), fmt.Sprintf("%q cannot move further %s.", t.Title, where))
		return
	}
	req := adminoas.TaskTemplateOrder{Ids: order}
	if c.None {
		req.CategoryID.SetToNull()
	} else {
		req.CategoryID.SetTo(c.ID)
	}
	if err := req.Validate(); err != nil {
		p.renderError(w, r, http.StatusBadRequest, "This category has too many templates to reorder here.")
		return
	}
	if _, err := p.admin.ReorderTemplates(r.Context(), &req); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, templatesPath(c), fmt.Sprintf("Moved %q %s.", t.Title, where))
}

func (p *Panel) confirmTaskTemplateDelete(w http.ResponseWriter, r *http.Request) {
	t, ok := p.loadTemplate(w, r)
	if !ok {
		return
	}
	back := templatePath(t.ID)
	p.confirm(w, r, confirmView{Question: fmt.Sprintf("Delete the template %q?", t.Title), Button: "Delete template",
		Back: back, Action: back + "/delete", Hidden: url.Values{},
		Detail: "The apps stop offering it. Tasks made from it keep their own copy of its fields. To only hide it, deactivate it instead."})
}
