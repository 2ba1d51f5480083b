package residences_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
	"github.com/homekeep/homekeep/internal/apptest"
)

func TestResidenceAuthorization(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{NoSeed: true})

	type call struct {
		method string
		path   func(h apptest.Household) string
		body   func(h apptest.Household) any
	}
	endpoints := []struct {
		name string
		call call
		// want holds the status for owner, editor, viewer, stranger, anonymous.
		want [5]int
	}{
		{"GetResidence", call{http.MethodGet, func(h apptest.Household) string { return h.Path("") }, nil},
			[5]int{200, 200, 200, 404, 401}},
		{"UpdateResidence", call{http.MethodPatch, func(h apptest.Household) string { return h.Path("") },
			func(apptest.Household) any { return map[string]any{"description": "changed"} }},
			[5]int{200, 403, 403, 404, 401}},
		{"DeleteResidence", call{http.MethodDelete, func(h apptest.Household) string { return h.Path("") }, nil},
			[5]int{204, 403, 403, 404, 401}},
		{"ListMembers", call{http.MethodGet, func(h apptest.Household) string { return h.Path("/members") }, nil},
			[5]int{200, 200, 200, 404, 401}},
		{"ChangeRole", call{http.MethodPatch, func(h apptest.Household) string { return h.Path("/members/%d", h.Viewer.ID) },
			func(apptest.Household) any { return map[string]any{"role": "editor"} }},
			[5]int{200, 403, 403, 404, 401}},
		{"RemoveOtherMember", call{http.MethodDelete, func(h apptest.Household) string { return h.Path("/members/%d", h.Viewer.ID) }, nil},
			[5]int{204, 403, 204, 404, 401}}, // the viewer removing themself is leaving
		{"RemoveEditor", call{http.MethodDelete, func(h apptest.Household) string { return h.Path("/members/%d", h.Editor.ID) }, nil},
			[5]int{204, 204, 403, 404, 401}},
		{"Transfer", call{http.MethodPost, func(h apptest.Household) string { return h.Path("/transfer") },
			func(h apptest.Household) any { return map[string]any{"user_id": h.Editor.ID} }},
			[5]int{200, 403, 403, 404, 401}},
		{"CreateShareCode", call{http.MethodPost, func(h apptest.Household) string { return h.Path("/share-code") },
			func(apptest.Household) any { return map[string]any{} }},
			[5]int{201, 403, 403, 404, 401}},
	}
	roles := []string{"Owner", "Editor", "Viewer", "Stranger", "Anonymous"}
	for _, ep := range endpoints {
		for i, role := range roles {
			t.Run(ep.name+"As"+role, func(t *testing.T) {
				t.Parallel()
				h := apptest.NewHousehold(t, inst)
				token := []string{h.Owner.Token, h.Editor.Token, h.Viewer.Token, h.Stranger.Token, ""}[i]
				req := apptest.Request{Method: ep.call.method, Path: ep.call.path(h), Token: token}
				if ep.call.body != nil {
					req.Body = ep.call.body(h)
				}
				r := inst.Do(t, req)
				require.Equal(t, ep.want[i], r.Status, "%s %s as %s: %s", req.Method, req.Path, role, r.Body)
				if r.Status >= 400 {
					require.NotContains(t, string(r.Body), h.Name, "an error must not leak the residence")
					require.NotContains(t, string(r.Body), h.Owner.Email)
					wantCode := map[int]string{401: "unauthorized", 403: "forbidden", 404: "not_found"}[r.Status]
					require.Equal(t, wantCode, r.Err(t).Error.Code)
				}
			})
		}
	}

	t.Run("StrangerListsNothing", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: h.Stranger.Token})
		require.Equal(t, http.StatusOK, r.Status)
		require.Equal(t, "[]", strings.TrimSpace(string(r.Body)))
	})

	t.Run("EveryRoleListsTheResidenceWithItsRole", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		for role, acct := range map[string]apptest.Account{"owner": h.Owner, "editor": h.Editor, "viewer": h.Viewer} {
			r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token})
			var list []client.Residence
			r.JSON(t, &list)
			require.Len(t, list, 1)
			require.Equal(t, h.ResidenceID, list[0].ID)
			require.EqualValues(t, role, list[0].Role)
			require.EqualValues(t, 3, list[0].MembersCount)
		}
	})

	t.Run("AnonymousCannotListCreateOrJoin", func(t *testing.T) {
		t.Parallel()
		for _, req := range []apptest.Request{
			{Method: http.MethodGet, Path: "/residences"},
			{Method: http.MethodPost, Path: "/residences", Body: map[string]any{"name": "x"}},
			{Method: http.MethodPost, Path: "/residences/join", Body: map[string]any{"code": "ABCDEF"}},
		} {
			require.Equal(t, http.StatusUnauthorized, inst.Do(t, req).Status, "%s %s", req.Method, req.Path)
		}
	})

	t.Run("UnknownResidenceIs404ForEveryone", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		r := inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/residences/999999999", Token: h.Owner.Token,
			Body: map[string]any{"name": "x"}})
		require.Equal(t, http.StatusNotFound, r.Status)
	})
}

func TestResidenceCRUD(t *testing.T) {
	t.Parallel()
	inst := apptest.Start(t, apptest.Options{})

	t.Run("CreateDefaultsTimezoneToProfile", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/auth/me", Token: owner.Token,
			Body: map[string]any{"timezone": "Australia/Sydney"}}).Status)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token, Body: map[string]any{
			"name": "Beach House", "bedrooms": 3, "bathrooms": 2.5, "square_footage": 1800, "year_built": 1987,
			"purchase_date": "2019-03-15", "purchase_price": 450000.5, "residence_type_id": 1, "city": " Manly "}})
		require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
		var res client.Residence
		r.JSON(t, &res)
		require.Equal(t, "Australia/Sydney", res.Timezone)
		require.Equal(t, 2.5, res.Bathrooms.Value)
		require.Equal(t, "2019-03-15", res.PurchaseDate.Value.Format(time.DateOnly))
		require.Equal(t, 450000.5, res.PurchasePrice.Value)
		require.Equal(t, "Manly", res.City)
		require.EqualValues(t, "owner", res.Role)
	})

	t.Run("PatchClearsNullAndKeepsAbsent", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
			Body: map[string]any{"name": "Flat", "bedrooms": 2, "year_built": 1990}})
		var res client.Residence
		r.JSON(t, &res)
		r = inst.Do(t, apptest.Request{Method: http.MethodPatch, Path: fmt.Sprintf("/residences/%d", res.ID), Token: owner.Token,
			Body: map[string]any{"bedrooms": nil, "name": "Flat 2"}})
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		var got client.Residence
		r.JSON(t, &got)
		require.True(t, got.Bedrooms.Null, "null clears")
		require.EqualValues(t, 1990, got.YearBuilt.Value, "absent keeps")
		require.Equal(t, "Flat 2", got.Name)
	})

	t.Run("OnlyOnePrimaryPerOwner", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		for _, name := range []string{"First", "Second"} {
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token,
				Body: map[string]any{"name": name, "is_primary": true}})
			require.Equal(t, http.StatusCreated, r.Status)
		}
		var list []client.Residence
		inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: owner.Token}).JSON(t, &list)
		require.Len(t, list, 2)
		require.Equal(t, "Second", list[0].Name, "primary first")
		require.True(t, list[0].IsPrimary)
		require.False(t, list[1].IsPrimary)
	})

	tests := []struct {
		name    string
		body    any
		invalid bool
		field   string
	}{
		{"RejectsEmptyName", map[string]any{"name": ""}, true, "name"},
		{"RejectsBlankName", map[string]any{"name": "   "}, true, "name"},
		{"RejectsUnknownTimezone", map[string]any{"name": "x", "timezone": "Nowhere/Land"}, false, "timezone"},
		{"RejectsUnknownResidenceType", map[string]any{"name": "x", "residence_type_id": 987654}, false, "residence_type_id"},
		{"RejectsNegativeBedrooms", map[string]any{"name": "x", "bedrooms": -1}, true, "bedrooms"},
		{"RejectsBadDate", map[string]any{"name": "x", "purchase_date": "2020-13-45"}, true, "purchase_date"},
		{"RejectsYearOutOfRange", map[string]any{"name": "x", "year_built": 99999}, true, "year_built"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			owner := inst.Register(t)
			r := inst.Do(t, apptest.Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token, Body: tt.body, Invalid: tt.invalid})
			require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
			require.Contains(t, r.Err(t).Error.Fields.Value, tt.field, string(r.Body))
			var list []any
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: owner.Token}).JSON(t, &list)
			require.Empty(t, list, "nothing stored")
		})
	}

	t.Run("RejectsNonNumericID", func(t *testing.T) {
		t.Parallel()
		owner := inst.Register(t)
		r := inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences/abc", Token: owner.Token, Invalid: true})
		require.Equal(t, http.StatusBadRequest, r.Status)
		require.Contains(t, r.Err(t).Error.Fields.Value, "id")
	})

	t.Run("DeleteRemovesForEveryMember", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		for _, acct := range []apptest.Account{h.Editor, h.Viewer} {
			require.Equal(t, http.StatusOK, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: acct.Token}).Status)
		}
		require.Equal(t, http.StatusNoContent, inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: h.Path(""), Token: h.Owner.Token}).Status)
		for _, acct := range []apptest.Account{h.Owner, h.Editor, h.Viewer} {
			var list []any
			inst.Do(t, apptest.Request{Method: http.MethodGet, Path: "/residences", Token: acct.Token}).JSON(t, &list)
			require.Empty(t, list, "every member's list drops it at once")
			require.Equal(t, http.StatusNotFound, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: acct.Token}).Status)
		}
	})

	t.Run("DeletingAccountDeletesOwnedResidences", func(t *testing.T) {
		t.Parallel()
		h := apptest.NewHousehold(t, inst)
		require.Equal(t, http.StatusNoContent, inst.Do(t, apptest.Request{Method: http.MethodDelete, Path: "/auth/me", Token: h.Owner.Token}).Status)
		require.Equal(t, http.StatusNotFound, inst.Do(t, apptest.Request{Method: http.MethodGet, Path: h.Path(""), Token: h.Editor.Token}).Status)
	})
}
