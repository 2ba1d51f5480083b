package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

var errForbidden = apierror.New(http.StatusForbidden, apierror.CodeForbidden,
	"your role in this residence does not allow this")

// DefaultDaysThreshold is the due-soon threshold a new user starts with: the default of users.days_threshold
// (db/migrations/00011_user_days_threshold.sql), which a test keeps equal to this. A residence's
// due_soon_count uses it whatever the caller's own setting, as api/openapi.yaml documents.
const DefaultDaysThreshold int32 = 30

// residenceIDs returns the residences the user can access: from the access cache when warm, else from
// PostgreSQL (and then cached).
func (h *Handler) residenceIDs(ctx context.Context, userID int64) ([]int64, error) {
	ids, ok, fill := h.access.Lookup(ctx, userID)
	if ok {
		return ids, nil
	}
	ids, err := h.q.ResidenceIDsForUser(ctx, h.db, userID)
	if err != nil {
		return nil, fmt.Errorf("error listing residence access: %w", err)
	}
	h.access.Store(fill, ids)
	return ids, nil
}

// invalidateAccess forgets the users' cached residence lists after a membership change committed. A
// failure (Valkey unreachable) is logged, not returned: the change is already stored, answering an error
// would make clients retry a write that succeeded, and a stale list is harmless because every query that
// reads or writes a residence checks membership in SQL itself; the cached list only picks which ids to
// query and whether a refusal is 403 or 404.
func (h *Handler) invalidateAccess(ctx context.Context, userIDs ...int64) {
	if err := h.access.Invalidate(ctx, userIDs...); err != nil {
		h.log.WarnContext(ctx, "could not invalidate residence access cache", "users", userIDs, "error", err)
	}
}

// refusal explains why a write to a residence affected nothing: 403 when the caller can see the residence
// (their role is too low), 404 when they cannot (its existence is not revealed).
func (h *Handler) refusal(ctx context.Context, userID, residenceID int64) error {
	ids, err := h.residenceIDs(ctx, userID)
	if err != nil {
		return err
	}
	if slices.Contains(ids, residenceID) {
		return errForbidden
	}
	return apierror.NotFound("residence")
}

func residenceResponse(r *dbsqlc.Residence, role string, members, overdue, dueSoon int32) oas.Residence {
	return oas.Residence{
		ID: r.ID, OwnerID: r.OwnerID, Name: r.Name, ResidenceTypeID: nilInt64(r.ResidenceTypeID),
		Street: r.Street, City: r.City, StateProvince: r.StateProvince, PostalCode: r.PostalCode, Country: r.Country,
		Bedrooms: nilInt32(r.Bedrooms), Bathrooms: nilFloat64(r.Bathrooms), SquareFootage: nilInt32(r.SquareFootage),
		LotSize: nilFloat64(r.LotSize), YearBuilt: nilInt32(r.YearBuilt), Description: r.Description,
		PurchaseDate: nilDate(r.PurchaseDate), PurchasePrice: nilFloat64(r.PurchasePrice), IsPrimary: r.IsPrimary,
		Timezone: r.Timezone, Role: oas.ResidenceRole(role), MembersCount: members, OverdueCount: overdue,
		DueSoonCount: dueSoon, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// getResidence returns one residence as the caller sees it, or 404.
func (h *Handler) getResidence(ctx context.Context, userID, id int64) (*oas.Residence, error) {
	row, err := h.q.ResidenceGet(ctx, h.db, &dbsqlc.ResidenceGetParams{ID: id, UserID: userID,
		ThresholdDays: DefaultDaysThreshold})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("residence")
	}
	if err != nil {
		return nil, fmt.Errorf("error loading residence: %w", err)
	}
	out := residenceResponse(&row.Residence, row.Role, row.MembersCount, row.OverdueCount, row.DueSoonCount)
	return &out, nil
}

// ListResidences returns every residence the caller can access: the id list from the access cache, then
// one statement for the residences with their counts.
func (h *Handler) ListResidences(ctx context.Context) ([]oas.Residence, error) {
	user := principalFrom(ctx).user
	ids, err := h.residenceIDs(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	out := []oas.Residence{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := h.q.ResidenceList(ctx, h.db, &dbsqlc.ResidenceListParams{UserID: user.ID, IDs: ids,
		ThresholdDays: DefaultDaysThreshold})
	if err != nil {
		return nil, fmt.Errorf("error listing residences: %w", err)
	}
	for _, r := range rows {
		out = append(out, residenceResponse(&r.Residence, r.Role, r.MembersCount, r.OverdueCount, r.DueSoonCount))
	}
	return out, nil
}

// GetResidence returns one residence the caller belongs to.
func (h *Handler) GetResidence(ctx context.Context, params oas.GetResidenceParams) (*oas.Residence, error) {
	return h.getResidence(ctx, principalFrom(ctx).user.ID, params.ID)
}

// CreateResidence creates a residence owned by the caller, in their profile timezone unless told otherwise.
func (h *Handler) CreateResidence(ctx context.Context, req *oas.ResidenceCreate) (*oas.Residence, error) {
	user := principalFrom(ctx).user
	f := fieldErrors{}
	name := checkRequiredName(f, "name", req.Name)
	tz := req.Timezone.Or(user.Timezone)
	checkTimezone(f, "timezone", tz)
	if err := f.err(); err != nil {
		return nil, err
	}
	row, err := h.q.ResidenceCreate(ctx, h.db, &dbsqlc.ResidenceCreateParams{
		OwnerID: user.ID, Name: name, ResidenceTypeID: ptrIf(req.ResidenceTypeID.Get()),
		Street: strings.TrimSpace(req.Street.Or("")), City: strings.TrimSpace(req.City.Or("")),
		StateProvince: strings.TrimSpace(req.StateProvince.Or("")), PostalCode: strings.TrimSpace(req.PostalCode.Or("")),
		Country: strings.TrimSpace(req.Country.Or("")), Bedrooms: ptrIf(req.Bedrooms.Get()),
		Bathrooms: ptrIf(req.Bathrooms.Get()), SquareFootage: ptrIf(req.SquareFootage.Get()),
		LotSize: ptrIf(req.LotSize.Get()), YearBuilt: ptrIf(req.YearBuilt.Get()), Description: req.Description.Or(""),
		PurchaseDate: ptrIf(req.PurchaseDate.Get()), PurchasePrice: ptrIf(req.PurchasePrice.Get()),
		IsPrimary: req.IsPrimary.Or(false), Timezone: tz,
	})
	err = dberr.Interpret(err)
	if dberr.IsForeignKey(err, dberr.ResidencesResidenceTypeIDFkey) {
		return nil, apierror.Validation(map[string]string{"residence_type_id": "is not a known residence type"})
	}
	if err != nil {
		return nil, fmt.Errorf("error creating residence: %w", err)
	}
	h.invalidateAccess(ctx, user.ID)
	out := residenceResponse((*dbsqlc.Residence)(row), "owner", 1, 0, 0)
	return &out, nil
}

// UpdateResidence changes the fields present; only the owner may.
func (h *Handler) UpdateResidence(ctx context.Context, req *oas.ResidenceUpdate, params oas.UpdateResidenceParams) (*oas.Residence, error) {
	user := principalFrom(ctx).user
	f := fieldErrors{}
	p := &dbsqlc.ResidenceUpdateParams{ID: params.ID, UserID: user.ID}
	if v, ok := req.Name.Get(); ok {
		v = checkRequiredName(f, "name", v)
		p.Name = &v
	}
	if v, ok := req.Timezone.Get(); ok {
		checkTimezone(f, "timezone", v)
		p.Timezone = &v
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	trimmed := func(v string, ok bool) *string { v = strings.TrimSpace(v); return ptrIf(v, ok) }
	p.Street = trimmed(req.Street.Get())
	p.City = trimmed(req.City.Get())
	p.StateProvince = trimmed(req.StateProvince.Get())
	p.PostalCode = trimmed(req.PostalCode.Get())
	p.Country = trimmed(req.Country.Get())
	p.Description = ptrIf(req.Description.Get())
	p.IsPrimary = ptrIf(req.IsPrimary.Get())
	p.SetResidenceTypeID, p.ResidenceTypeID = patchField(req.ResidenceTypeID.Value, req.ResidenceTypeID.Set, req.ResidenceTypeID.Null)
	p.SetBedrooms, p.Bedrooms = patchField(req.Bedrooms.Value, req.Bedrooms.Set, req.Bedrooms.Null)
	p.SetBathrooms, p.Bathrooms = patchField(req.Bathrooms.Value, req.Bathrooms.Set, req.Bathrooms.Null)
	p.SetSquareFootage, p.SquareFootage = patchField(req.SquareFootage.Value, req.SquareFootage.Set, req.SquareFootage.Null)
	p.SetLotSize, p.LotSize = patchField(req.LotSize.Value, req.LotSize.Set, req.LotSize.Null)
	p.SetYearBuilt, p.YearBuilt = patchField(req.YearBuilt.Value, req.YearBuilt.Set, req.YearBuilt.Null)
	p.SetPurchaseDate, p.PurchaseDate = patchField(req.PurchaseDate.Value, req.PurchaseDate.Set, req.PurchaseDate.Null)
	p.SetPurchasePrice, p.PurchasePrice = patchField(req.PurchasePrice.Value, req.PurchasePrice.Set, req.PurchasePrice.Null)

	_, err := h.q.ResidenceUpdate(ctx, h.db, p)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, h.refusal(ctx, user.ID, params.ID)
	}
	if dberr.IsForeignKey(err, dberr.ResidencesResidenceTypeIDFkey) {
		return nil, apierror.Validation(map[string]string{"residence_type_id": "is not a known residence type"})
	}
	if err != nil {
		return nil, fmt.Errorf("error updating residence: %w", err)
	}
	return h.getResidence(ctx, user.ID, params.ID)
}

// DeleteResidence deletes a residence and everything in it; only the owner may. Every member loses access
// before the response is sent, and the files of its documents are deleted once the delete has committed.
func (h *Handler) DeleteResidence(ctx context.Context, params oas.DeleteResidenceParams) error {
	user := principalFrom(ctx).user
	row, err := h.q.ResidenceDelete(ctx, h.db, &dbsqlc.ResidenceDeleteParams{ID: params.ID, UserID: user.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return h.refusal(ctx, user.ID, params.ID)
	}
	if err != nil {
		return fmt.Errorf("error deleting residence: %w", err)
	}
	h.invalidateAccess(ctx, row.UserIds...)
	if len(row.StorageKeys) > 0 {
		h.deleteFiles(ctx, row.StorageKeys...)
	}
	return nil
}
