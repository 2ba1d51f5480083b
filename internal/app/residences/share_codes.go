package residences

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/reqinfo"
)

// shareCodeAlphabet has no look-alikes (no 0/O, 1/I/L), so a code read aloud or typed from a screen works.
const shareCodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// shareCodeLength gives 31^6 ≈ 887 million codes; with join attempts rate limited, guessing is impractical.
const shareCodeLength = 6

func newShareCode() string {
	b := make([]byte, shareCodeLength)
	max := big.NewInt(int64(len(shareCodeAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("crypto/rand failed: %v", err))
		}
		b[i] = shareCodeAlphabet[n.Int64()]
	}
	return string(b)
}

// normalizeShareCode accepts any case and surrounding spaces; it reports false for something that cannot
// be a code.
func normalizeShareCode(raw string) (string, bool) {
	code := strings.ToUpper(strings.TrimSpace(raw))
	if len(code) != shareCodeLength {
		return "", false
	}
	for _, r := range code {
		if !strings.ContainsRune(shareCodeAlphabet, r) {
			return "", false
		}
	}
	return code, true
}

// CreateShareCode issues a code that replaces the residence's previous one; only the owner may.
func (h *Handler) CreateShareCode(ctx context.Context, req oas.OptShareCodeRequest, params oas.CreateShareCodeParams) (oas.CreateShareCodeRes, error) {
	user := app.PrincipalFrom(ctx).User
	role, hours := "editor", int32(24)
	if r, ok := req.Get(); ok {
		role = string(r.Role.Or(oas.ShareCodeRequestRoleEditor))
		hours = r.ExpiresInHours.Or(24)
	}
	expires := time.Now().Add(time.Duration(hours) * time.Hour).UTC().Truncate(time.Second)
	for range 5 {
		row, err := h.q.ShareCodeCreate(ctx, h.db, &dbsqlc.ShareCodeCreateParams{
			ResidenceID: params.ID, UserID: user.ID, Code: newShareCode(), Role: role, ExpiresAt: expires})
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) || dberr.IsForeignKey(err, dberr.ShareCodesResidenceIDFkey) {
			return nil, h.access.Refusal(ctx, user.ID, params.ID)
		}
		if dberr.IsUnique(err, dberr.ShareCodesActiveCodeKey) {
			continue // another residence holds this code right now; draw again
		}
		if dberr.IsExclusion(err, dberr.ShareCodesResidenceIDExcl) {
			continue // a code issued at the same moment committed first; this one replaces it on a new snapshot
		}
		if err != nil {
			return nil, fmt.Errorf("error creating share code: %w", err)
		}
		return &oas.ShareCode{Code: row.Code, Role: oas.ShareCodeRole(row.Role), ExpiresAt: row.ExpiresAt.UTC()}, nil
	}
	return nil, fmt.Errorf("error creating share code: no free code after 5 draws")
}

// JoinResidence adds the caller to the residence a live code belongs to.
func (h *Handler) JoinResidence(ctx context.Context, req *oas.JoinRequest, _ oas.JoinResidenceParams) (oas.JoinResidenceRes, error) {
	user := app.PrincipalFrom(ctx).User
	if err := h.attempts.Check(ctx, "join-residence", "user:"+strconv.FormatInt(user.ID, 10), "ip:"+reqinfo.From(ctx).IP); err != nil {
		return nil, err
	}
	code, ok := normalizeShareCode(req.Code)
	if !ok {
		return nil, apierror.Validation(map[string]string{"code": "must be the 6-character share code"})
	}
	res, err := h.q.ShareCodeJoin(ctx, h.db, &dbsqlc.ShareCodeJoinParams{Code: code, UserID: user.ID})
	// A residence deleted while the join ran fails the membership's foreign key: the code is gone too.
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) || dberr.IsForeignKey(err, dberr.ResidenceMembersResidenceIDFkey) {
		return nil, apierror.New(http.StatusNotFound, "share_code_not_found", "no residence has this share code")
	}
	if err != nil {
		return nil, fmt.Errorf("error joining residence: %w", err)
	}
	switch {
	case !res.Active:
		return nil, apierror.BadRequest("share_code_inactive",
			"this share code was replaced by a newer one; ask the owner for the current code", map[string]string{"code": "is no longer active"})
	case !res.Live:
		return nil, apierror.BadRequest("share_code_expired",
			"this share code has expired; ask the owner for a new one", map[string]string{"code": "has expired"})
	}
	if res.Joined {
		h.boards.Changed(ctx, res.ResidenceID)
		h.invalidateAccess(ctx, user.ID)
	}
	residence, err := h.getResidence(ctx, user.ID, res.ResidenceID)
	if err != nil {
		return nil, err
	}
	if res.Joined {
		h.timezoneTaken(ctx, user, residence.Timezone)
	}
	return &oas.JoinResult{Joined: res.Joined, Residence: *residence}, nil
}
