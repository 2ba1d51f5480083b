package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/apptest"
)

// adminMatrix is the process the admin API's matrix runs on, with an owner admin that builds targets.
type adminMatrix struct {
	inst  *apptest.Instance
	owner apptest.AdminAccount
}

// adminTarget is one admin call: path parameters, query (with its "?") and JSON body.
type adminTarget struct {
	params map[string]any
	query  string
	body   any
}

// adminCase knows how to build one admin operation's target.
type adminCase struct {
	// ok is the status of an allowed caller.
	ok int
	// freshCaller marks a call that ends the caller's own token (logout): each role signs in anew for it.
	freshCaller bool
	// build makes a fresh target (as the matrix's owner admin, or through the app API).
	build func(t *testing.T, m *adminMatrix) adminTarget
}

// do sends an admin request as token and fails the test unless the status is want; it returns the decoded body.
func (m *adminMatrix) do(t *testing.T, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	r := m.inst.DoAdmin(t, apptest.Request{Method: method, Path: path, Token: token, Body: body})
	require.Equal(t, want, r.Status, "%s %s: %s", method, path, r.Body)
	out := map[string]any{}
	if len(r.Body) > 0 && r.Body[0] == '{' {
		r.JSON(t, &out)
	}
	return out
}

// bodyID reads a JSON number field of a decoded body as an id.
func bodyID(t *testing.T, body map[string]any, field string) int64 {
	t.Helper()
	v, ok := body[field].(float64)
	require.True(t, ok, "no %s in %v", field, body)
	return int64(v)
}

// lookup creates a row of kind with a unique name and returns its id.
func (m *adminMatrix) lookup(t *testing.T, kind string) int64 {
	t.Helper()
	return bodyID(t, m.do(t, m.owner.Token, http.MethodPost, "/lookups/"+kind, map[string]any{"name": matrixSecret("Kind")}, http.StatusCreated), "id")
}

// template creates a task template (in category when it is not 0) and returns its id.
func (m *adminMatrix) template(t *testing.T, category int64) int64 {
	t.Helper()
	body := map[string]any{"title": matrixSecret("Template")}
	if category != 0 {
		body["category_id"] = category
	}
	return bodyID(t, m.do(t, m.owner.Token, http.MethodPost, "/templates", body, http.StatusCreated), "id")
}

// household creates an app user's residence with a task, a contractor and a document, and returns the user.
func (m *adminMatrix) household(t *testing.T) (user apptest.Account, residence, task, contractor, document int64) {
	t.Helper()
	user = m.inst.Register(t)
	residence = apptest.CreateResidence(t, m.inst, user, matrixSecret("House"))
	task = apptest.CreateTask(t, m.inst, user, map[string]any{"residence_id": residence, "title": "Chore"})
	contractor = apptest.CreateContractor(t, m.inst, user, map[string]any{"residence_id": residence, "name": "Plumber"}).ID
	document = apptest.CreateDocument(t, m.inst, user, map[string]any{"residence_id": residence, "title": "Receipt", "type": "receipt"}).ID
	return user, residence, task, contractor, document
}

// adminByID targets the path's id.
func adminByID(v int64) adminTarget { return adminTarget{params: map[string]any{"id": v}} }

// adminMatrixCases holds a target builder for every operation of api/admin.yaml, by operationId.
func adminMatrixCases() map[string]adminCase {
	plain := func(ok int) adminCase {
		return adminCase{ok: ok, build: func(*testing.T, *adminMatrix) adminTarget { return adminTarget{} }}
	}
	appUser := func(ok int, before func(t *testing.T, m *adminMatrix, user int64), body any) adminCase {
		return adminCase{ok: ok, build: func(t *testing.T, m *adminMatrix) adminTarget {
			u := m.inst.Register(t)
			if before != nil {
				before(t, m, u.ID)
			}
			tg := adminByID(u.ID)
			tg.body = body
			return tg
		}}
	}
	resource := func(ok int, pick func(residence, task, contractor, document int64) int64, body any) adminCase {
		return adminCase{ok: ok, build: func(t *testing.T, m *adminMatrix) adminTarget {
			_, r, tk, c, d := m.household(t)
			tg := adminByID(pick(r, tk, c, d))
			tg.body = body
			return tg
		}}
	}
	residence := func(r, _, _, _ int64) int64 { return r }
	task := func(_, tk, _, _ int64) int64 { return tk }
	contractor := func(_, _, c, _ int64) int64 { return c }
	document := func(_, _, _, d int64) int64 { return d }
	otherAdmin := func(ok int, deactivated bool) adminCase {
		return adminCase{ok: ok, build: func(t *testing.T, m *adminMatrix) adminTarget {
			a := m.inst.SignInAdmin(t, "viewer")
			var aid int64
			apptest.DBQueryRow(t, m.inst, "SELECT id FROM admin_users WHERE email = $1", []any{a.Email}, &aid)
			if deactivated {
				m.do(t, m.owner.Token, http.MethodPost, fmt.Sprintf("/admins/%d/deactivate", aid), nil, http.StatusOK)
			}
			return adminByID(aid)
		}}
	}
	return map[string]adminCase{
		"adminLogin": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget {
			return adminTarget{body: map[string]any{"email": m.owner.Email, "password": apptest.AdminPassword}}
		}},
		"adminLogout": {ok: http.StatusNoContent, freshCaller: true, build: func(*testing.T, *adminMatrix) adminTarget { return adminTarget{} }},
		"adminMe":     plain(http.StatusOK),

		"listLookups": {ok: http.StatusOK, build: func(*testing.T, *adminMatrix) adminTarget {
			return adminTarget{params: map[string]any{"kind": "task_categories"}}
		}},
		"createLookup": {ok: http.StatusCreated, build: func(*testing.T, *adminMatrix) adminTarget {
			return adminTarget{params: map[string]any{"kind": "contractor_specialties"}, body: map[string]any{"name": matrixSecret("Specialty")}}
		}},
		// residence_types: no other case adds rows of it, so the ids read here are all of them.
		"reorderLookups": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget {
			list := m.inst.DoAdmin(t, apptest.Request{Method: http.MethodGet, Path: "/lookups/residence_types", Token: m.owner.Token})
			var rows struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
			}
			require.NoError(t, json.Unmarshal(list.Body, &rows), string(list.Body))
			ids := []int64{}
			for _, r := range rows.Items {
				ids = append(ids, r.ID)
			}
			return adminTarget{params: map[string]any{"kind": "residence_types"}, body: map[string]any{"ids": ids}}
		}},
		"updateLookup": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget {
			return adminTarget{params: map[string]any{"kind": "contractor_specialties", "id": m.lookup(t, "contractor_specialties")},
				body: map[string]any{"name": matrixSecret("Renamed")}}
		}},
		"deleteLookup": {ok: http.StatusNoContent, build: func(t *testing.T, m *adminMatrix) adminTarget {
			return adminTarget{params: map[string]any{"kind": "contractor_specialties", "id": m.lookup(t, "contractor_specialties")}}
		}},

		"listTemplates": plain(http.StatusOK),
		"createTemplate": {ok: http.StatusCreated, build: func(*testing.T, *adminMatrix) adminTarget {
			return adminTarget{body: map[string]any{"title": matrixSecret("Template")}}
		}},
		// A category of its own, so its one template is all of it.
		"reorderTemplates": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget {
			category := m.lookup(t, "task_categories")
			return adminTarget{body: map[string]any{"category_id": category, "ids": []int64{m.template(t, category)}}}
		}},
		"getTemplate": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget { return adminByID(m.template(t, 0)) }},
		"updateTemplate": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget {
			tg := adminByID(m.template(t, 0))
			tg.body = map[string]any{"title": matrixSecret("Renamed")}
			return tg
		}},
		"deleteTemplate":     {ok: http.StatusNoContent, build: func(t *testing.T, m *adminMatrix) adminTarget { return adminByID(m.template(t, 0)) }},
		"activateTemplate":   {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget { return adminByID(m.template(t, 0)) }},
		"deactivateTemplate": {ok: http.StatusOK, build: func(t *testing.T, m *adminMatrix) adminTarget { return adminByID(m.template(t, 0)) }},
		"seedLookups":        plain(http.StatusOK),

		"adminListUsers":      plain(http.StatusOK),
		"adminGetUser":        appUser(http.StatusOK, nil, nil),
		"adminDeleteUser":     appUser(http.StatusNoContent, nil, nil),
		"adminDeactivateUser": appUser(http.StatusOK, nil, nil),
		"adminReactivateUser": appUser(http.StatusOK, func(t *testing.T, m *adminMatrix, user int64) {
			m.do(t, m.owner.Token, http.MethodPost, fmt.Sprintf("/users/%d/deactivate", user), nil, http.StatusOK)
		}, nil),
		"adminSetUserTier":       appUser(http.StatusOK, nil, map[string]any{"tier": "pro"}),
		"adminResetUserPassword": appUser(http.StatusAccepted, nil, nil),

		"adminSettingsGet": plain(http.StatusOK),
		"adminSettingsUpdate": {ok: http.StatusOK, build: func(*testing.T, *adminMatrix) adminTarget {
			return adminTarget{body: map[string]any{"limitations_enabled": false}}
		}},
		"adminCacheClear": plain(http.StatusOK),
		"adminDashboard":  plain(http.StatusOK),
		"adminJobs":       plain(http.StatusOK),
		"adminAuditList":  plain(http.StatusOK),

		"adminAccountList":       plain(http.StatusOK),
		"adminAccountDeactivate": otherAdmin(http.StatusOK, false),
		"adminAccountReactivate": otherAdmin(http.StatusOK, true),

		"adminListResidences":   plain(http.StatusOK),
		"adminGetResidence":     resource(http.StatusOK, residence, nil),
		"adminDeleteResidence":  resource(http.StatusNoContent, residence, nil),
		"adminListTasks":        plain(http.StatusOK),
		"adminGetTask":          resource(http.StatusOK, task, nil),
		"adminUpdateTask":       resource(http.StatusOK, task, map[string]any{"in_progress": true}),
		"adminDeleteTask":       resource(http.StatusNoContent, task, nil),
		"adminListContractors":  plain(http.StatusOK),
		"adminGetContractor":    resource(http.StatusOK, contractor, nil),
		"adminDeleteContractor": resource(http.StatusNoContent, contractor, nil),
		"adminListDocuments":    plain(http.StatusOK),
		"adminGetDocument":      resource(http.StatusOK, document, nil),
		"adminDeleteDocument":   resource(http.StatusNoContent, document, nil),
	}
}

// TestAdminAuthorizationMatrix calls every operation of api/admin.yaml as anonymous and with an app user's
// token (401 both: the app's tokens are no admin's), and as an admin of each role, viewer, admin and owner,
// holding each answer to the operation's x-roles (a role it does not list gets 403). An operation without a
// target builder in adminMatrixCases fails.
func TestAdminAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	ops := loadRoleOperations(t, "admin.yaml", adminRoleWords)
	cases := adminMatrixCases()
	inst := apptest.Start(t, apptest.Options{})
	m := &adminMatrix{inst: inst, owner: inst.SignInAdmin(t, "owner")}
	appUser := inst.Register(t)
	roles := map[string]apptest.AdminAccount{}
	for _, role := range []string{"viewer", "admin", "owner"} {
		roles[role] = inst.SignInAdmin(t, role)
	}
	for _, op := range ops {
		c, ok := cases[op.ID]
		if !ok {
			t.Errorf("%s (%s %s) is not in the admin authorization matrix: add a target builder for it to "+
				"adminMatrixCases in internal/app/api/authz_admin_matrix_test.go", op.ID, op.Method, op.Path)
			continue
		}
		t.Run(op.ID, func(t *testing.T) {
			t.Parallel()
			send := func(tg adminTarget, token string) apptest.Response {
				return inst.DoAdmin(t, apptest.Request{Method: op.Method, Path: fillPath(t, op.Path, tg.params) + tg.query,
					Token: token, Body: tg.body})
			}
			r := send(c.build(t, m), "")
			if op.allows("public") {
				require.Equal(t, c.ok, r.Status, "%s as anonymous: %s", op.ID, r.Body)
				return
			}
			require.Equal(t, http.StatusUnauthorized, r.Status, "%s as anonymous: %s", op.ID, r.Body)
			r = send(c.build(t, m), appUser.Token)
			require.Equal(t, http.StatusUnauthorized, r.Status, "%s with an app user's token: %s", op.ID, r.Body)
			require.Equal(t, "unauthorized", r.Err(t).Error.Code)
			for _, role := range []string{"viewer", "admin", "owner"} {
				caller := roles[role]
				if c.freshCaller {
					caller = inst.SignInAdmin(t, role)
				}
				r := send(c.build(t, m), caller.Token)
				if op.allows(role) {
					require.Equal(t, c.ok, r.Status, "%s as %s: %s", op.ID, role, r.Body)
					continue
				}
				require.Equal(t, http.StatusForbidden, r.Status, "%s as %s: %s", op.ID, role, r.Body)
				require.Equal(t, "forbidden", r.Err(t).Error.Code)
			}
		})
	}
	for opID := range cases {
		if !slices.ContainsFunc(ops, func(o roleOperation) bool { return o.ID == opID }) {
			t.Errorf("adminMatrixCases has %s, which api/admin.yaml no longer has: remove it", opID)
		}
	}
}
