package adminweb

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/admin"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// adminsView is the admin accounts page. Owner says whether the signed-in admin may change accounts (only
// owners may; the admin code refuses anyone else anyway), Self which row is the signed-in admin's own.
type adminsView struct {
	Admins []adminoas.AdminAccount
	Owner  bool
	Self   int64
	Err    formError
}

func (p *Panel) adminsPage(w http.ResponseWriter, r *http.Request) {
	p.showAdmins(w, r, http.StatusOK, formError{})
}

// showAdmins renders the admin accounts with status and, when a change was refused, why.
func (p *Panel) showAdmins(w http.ResponseWriter, r *http.Request, status int, fe formError) {
	res, err := p.admin.AdminAccountList(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	list, ok := res.(*adminoas.AdminAccountList)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	me := admin.PrincipalFrom(r.Context())
	p.render(w, r, status, "admins", page{Title: "Admin accounts",
		Data: adminsView{Admins: list.Items, Owner: me.Role == admin.RoleOwner, Self: me.ID, Err: fe}})
}

// confirmAdminAction asks before an admin account is deactivated or reactivated.
func (p *Panel) confirmAdminAction(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such admin.")
		return
	}
	action := Prefix + "/admins/" + strconv.FormatInt(id, 10) + "/"
	switch chi.URLParam(r, "action") {
	case "deactivate":
		p.confirm(w, r, confirmView{Question: "Deactivate this admin?", Button: "Deactivate admin",
			Back: Prefix + "/admins", Action: action + "deactivate", Hidden: url.Values{},
			Detail: "Every session of theirs ends at once and they cannot sign in until an owner reactivates them."})
	case "reactivate":
		p.confirm(w, r, confirmView{Question: "Reactivate this admin?", Button: "Reactivate admin",
			Back: Prefix + "/admins", Action: action + "reactivate", Hidden: url.Values{},
			Detail: "They can sign in again with their password, with the role they had."})
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such action.")
	}
}

// adminAction deactivates or reactivates an admin account (owners only) and returns to the list with a flash;
// a refusal the owner can act on (itself, the last owner) shows on the list.
func (p *Panel) adminAction(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		p.renderError(w, r, http.StatusNotFound, "There is no such admin.")
		return
	}
	var err error
	var done string
	switch chi.URLParam(r, "action") {
	case "deactivate":
		_, err = p.admin.AdminAccountDeactivate(r.Context(), adminoas.AdminAccountDeactivateParams{ID: id})
		done = "Admin deactivated: their sessions have ended."
	case "reactivate":
		_, err = p.admin.AdminAccountReactivate(r.Context(), adminoas.AdminAccountReactivateParams{ID: id})
		done = "Admin reactivated."
	default:
		p.renderError(w, r, http.StatusNotFound, "There is no such action.")
		return
	}
	if err != nil {
		if apierror.From(err).Status == http.StatusConflict {
			fe, _ := asFormError(err)
			p.showAdmins(w, r, fe.Status, fe)
			return
		}
		p.fail(w, r, err)
		return
	}
	p.redirectWithFlash(w, r, Prefix+"/admins", done)
}
