package residences

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/txscope"
)

// DefaultDaysThreshold is the due-soon threshold a new user starts with: the default of users.days_threshold
// (db/migrations/00011_user_days_threshold.sql), which a test keeps equal to this. A residence's
// due_soon_count uses it whatever the caller's own setting, as api/openapi.yaml documents.
const DefaultDaysThreshold int32 = 30

// invalidateAccess forgets the users' cached residence lists after a membership change committed. A
// failure (Valkey unreachable) is logged, not returned: the change is already stored, answering an error
// would make clients retry a write that succeeded, and a stale list is harmless because every query that
// reads or writes a residence checks membership in SQL itself; the cached list only picks which ids to
// query and whether a refusal is 403 or 404.
func (h *Handler) invalidateAccess(ctx context.Context, userIDs ...int64) {
	txscope.AfterCommit(ctx, func(ctx context.Context) { // a list read before the commit must not survive it
		if err := h.access.Invalidate(ctx, userIDs...); err != nil {
			h.log.WarnContext(ctx, "could not invalidate residence access cache", "users", userIDs, "error", err)
		}
	})
}

func residenceResponse(r *dbsqlc.Residence, role string, members, overdue, dueSoon int32) oas.Residence {
	return oas.Residence{
		ID: r.ID, OwnerID: r.OwnerID, Name: r.Name, ResidenceTypeID: app.NilInt64(r.ResidenceTypeID),
		Street: r.Street, City: r.City, StateProvince: r.StateProvince, PostalCode: r.PostalCode, Country: r.Country,
		Bedrooms: app.NilInt32(r.Bedrooms), Bathrooms: app.NilFloat64(r.Bathrooms), SquareFootage: app.NilInt32(r.SquareFootage),
		LotSize: app.NilFloat64(r.LotSize), YearBuilt: app.NilInt32(r.YearBuilt), Description: r.Description,
		PurchaseDate: app.NilDate(r.PurchaseDate), PurchasePrice: app.NilFloat64(r.PurchasePrice), IsPrimary: r.IsPrimary,
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

// ListResidences returns every residence the caller belongs to in ONE statement, whatever the caches hold:
// membership is the statement's join, not an id list read first. The ids it returns are exactly the
// caller's residence access, so when the access cache missed, they fill it (in the background, refused if
// a membership change of the caller came after the lookup) and the access checks that follow are warm.
// When the token was not cached, the statement is keyed by the token and goes out in the same round trip as
// the authentication (app.ReadAuthenticated); the access cache is then left to the next miss, since no
// lookup came before the read to guard a fill.
func (h *Handler) ListResidences(ctx context.Context) (oas.ListResidencesRes, error) {
	if app.AuthenticationPending(ctx) {
		return h.listResidencesByToken(ctx)
	}
	user := app.PrincipalFrom(ctx).User
	_, cached, fill := h.access.Lookup(ctx, user.ID)
	rows, err := h.q.ResidenceList(ctx, h.db, &dbsqlc.ResidenceListParams{UserID: user.ID, ThresholdDays: DefaultDaysThreshold})
	if err != nil {
		return nil, fmt.Errorf("error listing residences: %w", err)
	}
	out := make(oas.ListResidencesOKApplicationJSON, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = residenceResponse(&r.Residence, r.Role, r.MembersCount, r.OverdueCount, r.DueSoonCount)
		ids[i] = r.Residence.ID
	}
	if !cached {
		slices.Sort(ids) // as the access cache holds them (ResidenceIDsForUser's order)
		h.access.Store(fill, ids)
	}
	return &out, nil
}

// listResidencesByToken is ListResidences for a request whose authentication is pending.
func (h *Handler) listResidencesByToken(ctx context.Context) (oas.ListResidencesRes, error) {
	var rows []*dbsqlc.ResidenceListByTokenRow
	_, err := app.ReadAuthenticated(ctx, func(db dbsqlc.DBTX, token []byte) (err error) {
		rows, err = h.q.ResidenceListByToken(ctx, db, &dbsqlc.ResidenceListByTokenParams{TokenHash: token,
			ThresholdDays: DefaultDaysThreshold})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make(oas.ListResidencesOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = residenceResponse(&r.Residence, r.Role, r.MembersCount, r.OverdueCount, r.DueSoonCount)
	}
	return &out, nil
}

// GetResidence returns one residence the caller belongs to.
func (h *Handler) GetResidence(ctx context.Context, params oas.GetResidenceParams) (oas.GetResidenceRes, error) {
	return h.getResidence(ctx, app.PrincipalFrom(ctx).User.ID, params.ID)
}

// CreateResidence creates a residence owned by the caller, in their profile timezone unless told otherwise.
func (h *Handler) CreateResidence(ctx context.Context, req *oas.ResidenceCreate, _ oas.CreateResidenceParams) (oas.CreateResidenceRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	name := app.CheckRequiredName(f, "name", req.Name)
	tz := req.Timezone.Or(user.Timezone)
	app.CheckTimezone(f, "timezone", tz)
	if err := f.Err(); err != nil {
		return nil, err
	}
	row, err := h.q.ResidenceCreate(ctx, h.db, &dbsqlc.ResidenceCreateParams{
		OwnerID: user.ID, Name: name, ResidenceTypeID: app.PtrIf(req.ResidenceTypeID.Get()),
		Street: strings.TrimSpace(req.Street.Or("")), City: strings.TrimSpace(req.City.Or("")),
		StateProvince: strings.TrimSpace(req.StateProvince.Or("")), PostalCode: strings.TrimSpace(req.PostalCode.Or("")),
		Country: strings.TrimSpace(req.Country.Or("")), Bedrooms: app.PtrIf(req.Bedrooms.Get()),
		Bathrooms: app.PtrIf(req.Bathrooms.Get()), SquareFootage: app.PtrIf(req.SquareFootage.Get()),
		LotSize: app.PtrIf(req.LotSize.Get()), YearBuilt: app.PtrIf(req.YearBuilt.Get()), Description: req.Description.Or(""),
		PurchaseDate: app.PtrIf(req.PurchaseDate.Get()), PurchasePrice: app.PtrIf(req.PurchasePrice.Get()),
		IsPrimary: req.IsPrimary.Or(false), Timezone: tz,
	})
	err = dberr.Interpret(err)
	if dberr.IsForeignKey(err, dberr.ResidencesResidenceTypeIDFkey) {
		return nil, apierror.Validation(map[string]string{"residence_type_id": "is not a known residence type"})
	}
	if errors.Is(err, dberr.ErrNotFound) { // no row: the subscription tier allows no more residences
		if refused := app.LimitRefusal(ctx, h.db, user.ID, nil, app.LimitResidences, 0); refused != nil {
			return nil, refused
		}
	}
	if err != nil {
		return nil, fmt.Errorf("error creating residence: %w", err)
	}
	h.boards.SetTimezone(ctx, row.ID, row.Timezone)
	h.invalidateAccess(ctx, user.ID)
	h.timezoneTaken(ctx, user, row.Timezone)
	out := residenceResponse((*dbsqlc.Residence)(row), "owner", 1, 0, 0)
	return &out, nil
}

// UpdateResidence changes the fields present; only the owner may.
func (h *Handler) UpdateResidence(ctx context.Context, req *oas.ResidenceUpdate, params oas.UpdateResidenceParams) (oas.UpdateResidenceRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	p := &dbsqlc.ResidenceUpdateParams{ID: params.ID, UserID: user.ID}
	if v, ok := req.Name.Get(); ok {
		v = app.CheckRequiredName(f, "name", v)
		p.Name = &v
	}
	if v, ok := req.Timezone.Get(); ok {
		app.CheckTimezone(f, "timezone", v)
		p.Timezone = &v
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	trimmed := func(v string, ok bool) *string { v = strings.TrimSpace(v); return app.PtrIf(v, ok) }
	p.Street = trimmed(req.Street.Get())
	p.City = trimmed(req.City.Get())
	p.StateProvince = trimmed(req.StateProvince.Get())
	p.PostalCode = trimmed(req.PostalCode.Get())
	p.Country = trimmed(req.Country.Get())
	p.Description = app.PtrIf(req.Description.Get())
	p.IsPrimary = app.PtrIf(req.IsPrimary.Get())
	p.SetResidenceTypeID, p.ResidenceTypeID = app.PatchField(req.ResidenceTypeID.Value, req.ResidenceTypeID.Set, req.ResidenceTypeID.Null)
	p.SetBedrooms, p.Bedrooms = app.PatchField(req.Bedrooms.Value, req.Bedrooms.Set, req.Bedrooms.Null)
	p.SetBathrooms, p.Bathrooms = app.PatchField(req.Bathrooms.Value, req.Bathrooms.Set, req.Bathrooms.Null)
	p.SetSquareFootage, p.SquareFootage = app.PatchField(req.SquareFootage.Value, req.SquareFootage.Set, req.SquareFootage.Null)
	p.SetLotSize, p.LotSize = app.PatchField(req.LotSize.Value, req.LotSize.Set, req.LotSize.Null)
	p.SetYearBuilt, p.YearBuilt = app.PatchField(req.YearBuilt.Value, req.YearBuilt.Set, req.YearBuilt.Null)
	p.SetPurchaseDate, p.PurchaseDate = app.PatchField(req.PurchaseDate.Value, req.PurchaseDate.Set, req.PurchaseDate.Null)
	p.SetPurchasePrice, p.PurchasePrice = app.PatchField(req.PurchasePrice.Value, req.PurchasePrice.Set, req.PurchasePrice.Null)

	row, err := h.q.ResidenceUpdate(ctx, h.db, p)
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, h.access.Refusal(ctx, user.ID, params.ID)
	}
	if dberr.IsForeignKey(err, dberr.ResidencesResidenceTypeIDFkey) {
		return nil, apierror.Validation(map[string]string{"residence_type_id": "is not a known residence type"})
	}
	if err != nil {
		return nil, fmt.Errorf("error updating residence: %w", err)
	}
	h.boards.SetTimezone(ctx, row.ID, row.Timezone)
	return h.getResidence(ctx, user.ID, params.ID)
}

// DeleteResidence deletes a residence and everything in it; only the owner may. Every member loses access
// before the response is sent, and the files of its documents are deleted once the delete has committed.
func (h *Handler) DeleteResidence(ctx context.Context, params oas.DeleteResidenceParams) (oas.DeleteResidenceRes, error) {
	user := app.PrincipalFrom(ctx).User
	row, err := h.q.ResidenceDelete(ctx, h.db, &dbsqlc.ResidenceDeleteParams{ID: params.ID, UserID: user.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, h.access.Refusal(ctx, user.ID, params.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("error deleting residence: %w", err)
	}
	h.boards.Changed(ctx, params.ID)
	h.invalidateAccess(ctx, row.UserIds...)
	if len(row.StorageKeys) > 0 {
		app.DeleteFiles(ctx, h.files, h.log, row.StorageKeys...)
	}
	return &oas.DeleteResidenceNoContent{}, nil
}
