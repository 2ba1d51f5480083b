package adminweb

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// listLimit is how many rows a list page shows.
const listLimit = 25

// maxQueryLength caps a search box as the admin API's spec does (the panel calls the code directly, past
// ogen's checks of parameters, so it bounds what it passes itself).
const maxQueryLength = 200

// searchParam returns the trimmed search text of a list page, cut to maxQueryLength.
func searchParam(r *http.Request) string {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQueryLength {
		q = q[:maxQueryLength]
	}
	return q
}

// optString is an ogen optional string: unset when s is empty.
func optString(s string) adminoas.OptString {
	if s == "" {
		return adminoas.OptString{}
	}
	return adminoas.NewOptString(s)
}

type usersView struct {
	Q      string
	Active string
	Users  []adminoas.AppUser
	Pager  pager
}

func (p *Panel) usersPage(w http.ResponseWriter, r *http.Request) {
	v := usersView{Q: searchParam(r), Active: r.URL.Query().Get("active")}
	params := adminoas.AdminListUsersParams{Q: optString(v.Q), Cursor: optString(r.URL.Query().Get("cursor")),
		Limit: adminoas.NewOptInt(listLimit)}
	switch v.Active {
	case "true":
		params.Active = adminoas.NewOptBool(true)
	case "false":
		params.Active = adminoas.NewOptBool(false)
	default:
		v.Active = ""
	}
	res, err := p.admin.AdminListUsers(r.Context(), params)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	pg, ok := res.(*adminoas.AppUserPage)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	v.Users = pg.Items
	v.Pager = newPager(Prefix+"/users", r.URL.Query(), pg.Total, r.URL.Query().Get("cursor"), pg.NextCursor.Or(""))
	p.render(w, r, http.StatusOK, "users", page{Title: "Users", Data: v})
}

type userView struct {
	U       *adminoas.AppUserDetail
	TierErr formError
}

// pathID reads the {id} of a URL; a malformed one is a 404, as the API answers.
func pathID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	return id, err == nil && id > 0
}

func (p *Panel) userPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such user.")
		return
	}
	p.showUser(w, r, id, http.StatusOK, formError{})
}

func (p *Panel) showUser(w http.ResponseWriter, r *http.Request, id int64, status int, tierErr formError) {
	res, err := p.admin.AdminGetUser(r.Context(), adminoas.AdminGetUserParams{ID: id})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	u, ok := res.(*adminoas.AppUserDetail)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.render(w, r, status, "user", page{Title: u.User.Email, Data: userView{U: u, TierErr: tierErr}})
}

// userAction runs one of a user's actions from its page and goes back to it with a flash message.
func (p *Panel) userAction(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such user.")
		return
	}
	back := Prefix + "/users/" + strconv.FormatInt(id, 10)
	var err error
	var done string
	switch chi.URLParam(r, "action") {
	case "deactivate":
		_, err = p.admin.AdminDeactivateUser(r.Context(), adminoas.AdminDeactivateUserParams{ID: id})
		done = "User deactivated: every session is signed out."
	case "reactivate":
		_, err = p.admin.AdminReactivateUser(r.Context(), adminoas.AdminReactivateUserParams{ID: id})
		done = "User reactivated."
	case "password-reset":
		_, err = p.admin.AdminResetUserPassword(r.Context(), adminoas.AdminResetUserPasswordParams{ID: id})
		done = "Password reset email sent."
	case "tier":
		p.setTier(w, r, id, back)
		return
	case "delete":
		if _, err := p.admin.AdminDeleteUser(r.Context(), adminoas.AdminDeleteUserParams{ID: id}); err != nil {
			p.fail(w, r, err)
			return
		}
		p.redirectWithFlash(w, r, Prefix+"/users", "User deleted with their data and files.")
		return
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, back, done)
}

// setTier applies the tier form; a refused value shows next to its field on the user's page.
func (p *Panel) setTier(w http.ResponseWriter, r *http.Request, id int64, back string) {
	req := adminoas.AppUserTierUpdate{Tier: adminoas.AppUserTierUpdateTier(r.PostFormValue("tier"))}
	if until := strings.TrimSpace(r.PostFormValue("until")); until != "" {
		t, err := time.Parse(time.DateOnly, until)
		if err != nil {
			p.showUser(w, r, id, http.StatusBadRequest, formError{Message: "The tier was not changed.",
				Fields: map[string]string{"until": "must be a date (YYYY-MM-DD)"}})
			return
		}
		req.Until = adminoas.NewOptNilDateTime(t.UTC())
	}
	if err := req.Validate(); err != nil {
		p.showUser(w, r, id, http.StatusBadRequest, formError{Message: "The tier was not changed.",
			Fields: map[string]string{"tier": "must be one of free, pro"}})
		return
	}
	if _, err := p.admin.AdminSetUserTier(r.Context(), &req, adminoas.AdminSetUserTierParams{ID: id}); err != nil {
		if fe, ok := asFormError(err); ok && apierror.From(err).Status != http.StatusForbidden {
			p.showUser(w, r, id, fe.Status, fe)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, back, "Tier set to "+string(req.Tier)+".")
}

func (p *Panel) confirmUserDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such user.")
		return
	}
	back := Prefix + "/users/" + strconv.FormatInt(id, 10)
	p.confirm(w, r, confirmView{Question: "Delete this user?", Button: "Delete user", Back: back, Action: back + "/delete",
		Detail: "Their account, the residences they own with every task, completion and document, and the files are deleted. This cannot be undone.",
		Hidden: url.Values{}})
}
