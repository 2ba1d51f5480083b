package apptest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/client"
)

// Household is a residence with one member of each role, plus a stranger.
type Household struct {
	Inst                            *Instance
	Owner, Editor, Viewer, Stranger Account
	ResidenceID                     int64
	Name                            string
}

// Path is the API path of the household's residence followed by format, formatted with args.
func (h Household) Path(format string, args ...any) string {
	return fmt.Sprintf("/residences/%d"+format, append([]any{h.ResidenceID}, args...)...)
}

// ShareCode issues a share code for role as the residence's owner and returns it.
func ShareCode(t *testing.T, inst *Instance, owner Account, residenceID int64, role string) string {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodPost, Path: fmt.Sprintf("/residences/%d/share-code", residenceID),
		Token: owner.Token, Body: map[string]any{"role": role}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var sc client.ShareCode
	r.JSON(t, &sc)
	return sc.Code
}

// Join joins who to the residence of code.
func Join(t *testing.T, inst *Instance, who Account, code string) {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodPost, Path: "/residences/join", Token: who.Token, Body: map[string]any{"code": code}})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
}

// CreateResidence creates a residence named name, owned by owner, and returns its id.
func CreateResidence(t *testing.T, inst *Instance, owner Account, name string) int64 {
	t.Helper()
	r := inst.Do(t, Request{Method: http.MethodPost, Path: "/residences", Token: owner.Token, Body: map[string]any{"name": name}})
	require.Equal(t, http.StatusCreated, r.Status, string(r.Body))
	var res client.Residence
	r.JSON(t, &res)
	return res.ID
}

// NewHousehold registers four accounts and gives the owner a residence that the editor and the viewer
// join; the stranger stays out.
func NewHousehold(t *testing.T, inst *Instance) Household {
	t.Helper()
	h := Household{Inst: inst, Owner: inst.Register(t), Editor: inst.Register(t), Viewer: inst.Register(t),
		Stranger: inst.Register(t), Name: "Secret Cottage " + UniqueEmail()}
	h.ResidenceID = CreateResidence(t, inst, h.Owner, h.Name)
	Join(t, inst, h.Editor, ShareCode(t, inst, h.Owner, h.ResidenceID, "editor"))
	Join(t, inst, h.Viewer, ShareCode(t, inst, h.Owner, h.ResidenceID, "viewer"))
	return h
}
