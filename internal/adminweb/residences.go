package adminweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

type residencesView struct {
	Q          string
	Residences []adminoas.ResidenceItem
	Pager      pager
}

func (p *Panel) residencesPage(w http.ResponseWriter, r *http.Request) {
	v := residencesView{Q: searchParam(r)}
	res, err := p.admin.AdminListResidences(r.Context(), adminoas.AdminListResidencesParams{Q: optString(v.Q),
		Cursor: optString(r.URL.Query().Get("cursor")), Limit: adminoas.NewOptInt(listLimit)})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg, ok := res.(*adminoas.ResidencePage)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	v.Residences = pg.Items
	v.Pager = newPager(Prefix+"/residences", r.URL.Query(), pg.Total, r.URL.Query().Get("cursor"), pg.NextCursor.Or(""))
	p.render(w, r, http.StatusOK, "residences", page{Title: "Residences", Data: v})
}

func (p *Panel) residencePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such residence.")
		return
	}
	res, err := p.admin.AdminGetResidence(r.Context(), adminoas.AdminGetResidenceParams{ID: id})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d, ok := res.(*adminoas.ResidenceDetail)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.render(w, r, http.StatusOK, "residence", page{Title: d.Name, Data: d})
}

func (p *Panel) confirmResidenceDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such residence.")
		return
	}
	back := Prefix + "/residences/" + strconv.FormatInt(id, 10)
	p.confirm(w, r, confirmView{Question: "Delete this residence?", Button: "Delete residence", Back: back,
		Action: back + "/delete", Hidden: url.Values{},
		Detail: "Its tasks with their completions, its documents with their files, its contractors and share codes are " +
			"deleted, and every member loses it at once. This cannot be undone."})
}

// deleteResidence deletes a residence through the admin API's code and goes back to the list.
func (p *Panel) deleteResidence(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such residence.")
		return
	}
	if _, err := p.admin.AdminDeleteResidence(r.Context(), adminoas.AdminDeleteResidenceParams{ID: id}); err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, Prefix+"/residences", "Residence deleted with its tasks, documents and files.")
}
