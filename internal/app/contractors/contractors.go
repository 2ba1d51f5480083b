package contractors

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/app/dberr"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// contractorCard maps a contractor card row to the API type.
func contractorCard(r *dbsqlc.ContractorGetRow) (oas.Contractor, error) {
	specialties := []oas.ContractorSpecialty{}
	if err := json.Unmarshal(r.Specialties, &specialties); err != nil {
		return oas.Contractor{}, fmt.Errorf("error decoding contractor specialties: %w", err)
	}
	return oas.Contractor{
		ID: r.ID, ResidenceID: app.NilInt64(r.ResidenceID), CreatedBy: app.NilInt64(r.CreatedBy), Name: r.Name, Company: r.Company,
		Phone: r.Phone, Email: r.Email, Website: r.Website, Address: r.Address, Notes: r.Notes,
		Rating: app.NilInt32(r.Rating), IsFavorite: r.IsFavorite, Specialties: specialties,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}, nil
}

// contractorResponse is contractorCard for handlers returning one contractor.
func contractorResponse(r *dbsqlc.ContractorGetRow) (*oas.Contractor, error) {
	c, err := contractorCard(r)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// contractorRefusal explains a contractor write that changed nothing: 404 when the caller cannot see the
// contractor (or it does not exist), 403 when they only view its residence, nil when they may change it
// now (the write lost a race).
func (h *Handler) contractorRefusal(ctx context.Context, userID, id int64) error {
	role, err := h.q.ContractorAccessRole(ctx, h.db, &dbsqlc.ContractorAccessRoleParams{ID: id, UserID: userID})
	if err != nil {
		return fmt.Errorf("error checking contractor access: %w", err)
	}
	switch role {
	case "":
		return apierror.NotFound("contractor")
	case "viewer":
		return app.ErrForbidden
	}
	return nil
}

// contractorSpecialtyError names specialty_ids when an id is not a known specialty.
func contractorSpecialtyError(err error) error {
	if dberr.IsForeignKey(err, dberr.ContractorSpecialtyLinksSpecialtyIDFkey) {
		return apierror.Validation(map[string]string{"specialty_ids": "contains an unknown specialty"})
	}
	return nil
}

// contractorFields holds the normalised text fields of a create or update; nil means absent.
type contractorFields struct {
	name, company, phone, email, website, address *string
}

// checkContractorFields validates and normalises the text fields present: name required and single-line,
// company single-line, phone to digits with an optional leading +, email as for accounts and website as an
// absolute http(s) URL (each may be empty).
func checkContractorFields(f app.FieldErrors, in contractorFields) contractorFields {
	if in.name != nil {
		v := app.CheckRequiredName(f, "name", *in.name)
		in.name = &v
	}
	if in.company != nil {
		v := app.CheckName(f, "company", *in.company)
		in.company = &v
	}
	if in.phone != nil {
		v := normalizePhone(f, "phone", *in.phone)
		in.phone = &v
	}
	if in.email != nil {
		v := strings.TrimSpace(*in.email)
		if v != "" {
			v = app.NormalizeEmail(f, "email", v)
		}
		in.email = &v
	}
	if in.website != nil {
		v := app.CheckWebURL(f, "website", *in.website)
		in.website = &v
	}
	if in.address != nil {
		v := strings.TrimSpace(*in.address)
		in.address = &v
	}
	return in
}

// phoneSeparators are dropped from phone numbers.
const phoneSeparators = "-.()"

// Phone numbers keep between minPhoneDigits and maxPhoneDigits digits.
const (
	minPhoneDigits = 6
	maxPhoneDigits = 20
)

// normalizePhone reduces a phone number to its digits with an optional leading +, dropping spaces, dashes,
// dots and parentheses; letters or any other character are refused. Empty stays empty.
func normalizePhone(f app.FieldErrors, field, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	var b strings.Builder
	digits := 0
	for _, r := range raw {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		case unicode.IsSpace(r) || strings.ContainsRune(phoneSeparators, r):
		default:
			f.Add(field, "may contain only digits, spaces, dashes, dots, parentheses and a leading +")
			return raw
		}
	}
	if digits < minPhoneDigits || digits > maxPhoneDigits {
		f.Add(field, fmt.Sprintf("must have %d to %d digits", minPhoneDigits, maxPhoneDigits))
	}
	return b.String()
}

// ListContractors returns the contractors of the caller's residences and their personal ones, filtered by
// residence, specialty and a search over name and company, in ONE statement whatever the caches hold: the
// caller's residences are read inside it. When the token was not cached, the statement is keyed by the
// token and goes out in the same round trip as the authentication (app.ReadAuthenticated). A residence the
// caller cannot see answers 404; only when the filtered list comes back empty does that take an access
// check (from the access cache when warm).
func (h *Handler) ListContractors(ctx context.Context, params oas.ListContractorsParams) (oas.ListContractorsRes, error) {
	residenceID, specialtyID := app.PtrIf(params.ResidenceID.Get()), app.PtrIf(params.SpecialtyID.Get())
	var q *string
	if v, ok := params.Q.Get(); ok && strings.TrimSpace(v) != "" {
		// A substring match; % and _ from the user are literal characters.
		v = strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.TrimSpace(v))
		q = &v
	}
	var rows []*dbsqlc.ContractorListRow
	var err error
	if app.AuthenticationPending(ctx) {
		_, err = app.ReadAuthenticated(ctx, func(db dbsqlc.DBTX, token []byte) error {
			byToken, err := h.q.ContractorListByToken(ctx, db, &dbsqlc.ContractorListByTokenParams{TokenHash: token,
				ResidenceID: residenceID, SpecialtyID: specialtyID, Q: q})
			rows = make([]*dbsqlc.ContractorListRow, len(byToken))
			for i, r := range byToken {
				rows[i] = (*dbsqlc.ContractorListRow)(r)
			}
			return err
		})
	} else {
		rows, err = h.q.ContractorList(ctx, h.db, &dbsqlc.ContractorListParams{UserID: app.PrincipalFrom(ctx).User.ID,
			ResidenceID: residenceID, SpecialtyID: specialtyID, Q: q})
	}
	if err != nil {
		return nil, fmt.Errorf("error listing contractors: %w", err)
	}
	if len(rows) == 0 && residenceID != nil {
		ids, err := h.access.ResidenceIDs(ctx, app.PrincipalFrom(ctx).User.ID)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, *residenceID) {
			return nil, apierror.NotFound("residence")
		}
	}
	out := make(oas.ListContractorsOKApplicationJSON, len(rows))
	for i, r := range rows {
		if out[i], err = contractorCard((*dbsqlc.ContractorGetRow)(r)); err != nil {
			return nil, err
		}
	}
	return &out, nil
}

// CreateContractor adds a contractor to a residence (owners and editors) or, without residence_id, as the
// caller's personal contractor; its specialties are linked in the same statement.
func (h *Handler) CreateContractor(ctx context.Context, req *oas.ContractorCreate, _ oas.CreateContractorParams) (oas.CreateContractorRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	in := checkContractorFields(f, contractorFields{name: &req.Name, company: app.PtrIf(req.Company.Get()),
		phone: app.PtrIf(req.Phone.Get()), email: app.PtrIf(req.Email.Get()), website: app.PtrIf(req.Website.Get()),
		address: app.PtrIf(req.Address.Get())})
	if err := f.Err(); err != nil {
		return nil, err
	}
	specialties := req.SpecialtyIds
	if specialties == nil {
		specialties = []int64{}
	}
	row, err := h.q.ContractorCreate(ctx, h.db, &dbsqlc.ContractorCreateParams{
		SpecialtyIds: specialties, ResidenceID: app.PtrIf(req.ResidenceID.Get()), UserID: user.ID, Name: *in.name,
		Company: app.OrZero(in.company), Phone: app.OrZero(in.phone), Email: app.OrZero(in.email), Website: app.OrZero(in.website),
		Address: app.OrZero(in.address), Notes: req.Notes.Or(""), Rating: app.PtrIf(req.Rating.Get()),
		IsFavorite: req.IsFavorite.Or(false),
	})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if refused := app.LimitRefusal(ctx, h.db, user.ID, app.PtrIf(req.ResidenceID.Get()), app.LimitContractors, 0); refused != nil {
			return nil, refused
		}
		return nil, h.access.Refusal(ctx, user.ID, req.ResidenceID.Value)
	}
	if dberr.IsForeignKey(err, dberr.ContractorsResidenceIDFkey) {
		return nil, apierror.NotFound("residence") // deleted while the contractor was being created
	}
	if vErr := contractorSpecialtyError(err); vErr != nil {
		return nil, vErr
	}
	if err != nil {
		return nil, fmt.Errorf("error creating contractor: %w", err)
	}
	return contractorResponse((*dbsqlc.ContractorGetRow)(row))
}

// GetContractor returns one contractor the caller can see.
func (h *Handler) GetContractor(ctx context.Context, params oas.GetContractorParams) (oas.GetContractorRes, error) {
	row, err := h.q.ContractorGet(ctx, h.db, &dbsqlc.ContractorGetParams{ID: params.ID, UserID: app.PrincipalFrom(ctx).User.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, apierror.NotFound("contractor")
	}
	if err != nil {
		return nil, fmt.Errorf("error loading contractor: %w", err)
	}
	return contractorResponse(row)
}

// UpdateContractor changes the fields present; specialty_ids, when present, replaces the specialties. All in
// one statement.
func (h *Handler) UpdateContractor(ctx context.Context, req *oas.ContractorUpdate, params oas.UpdateContractorParams) (oas.UpdateContractorRes, error) {
	user := app.PrincipalFrom(ctx).User
	f := app.FieldErrors{}
	in := checkContractorFields(f, contractorFields{name: app.PtrIf(req.Name.Get()), company: app.PtrIf(req.Company.Get()),
		phone: app.PtrIf(req.Phone.Get()), email: app.PtrIf(req.Email.Get()), website: app.PtrIf(req.Website.Get()),
		address: app.PtrIf(req.Address.Get())})
	if err := f.Err(); err != nil {
		return nil, err
	}
	p := &dbsqlc.ContractorUpdateParams{
		ID: params.ID, UserID: user.ID, Name: in.name, Company: in.company, Phone: in.phone, Email: in.email,
		Website: in.website, Address: in.address, Notes: app.PtrIf(req.Notes.Get()),
		SetSpecialties: req.SpecialtyIds != nil, SpecialtyIds: req.SpecialtyIds,
	}
	if p.SpecialtyIds == nil {
		p.SpecialtyIds = []int64{}
	}
	p.SetRating, p.Rating = app.PatchField(req.Rating.Value, req.Rating.Set, req.Rating.Null)
	for attempt := 1; ; attempt++ {
		row, err := h.q.ContractorUpdate(ctx, h.db, p)
		err = dberr.Interpret(err)
		if errors.Is(err, dberr.ErrNotFound) {
			if err := h.contractorRefusal(ctx, user.ID, params.ID); err != nil {
				return nil, err
			}
			if !p.SetSpecialties {
				return nil, apierror.NotFound("contractor") // deleted meanwhile
			}
			// Replacing specialties refuses a row changed since the statement's snapshot: retry.
			if attempt == maxContractorUpdateAttempts {
				return nil, apierror.Conflict(apierror.CodeConflict, "the contractor is being changed by someone else; try again")
			}
			continue
		}
		if vErr := contractorSpecialtyError(err); vErr != nil {
			return nil, vErr
		}
		if err != nil {
			return nil, fmt.Errorf("error updating contractor: %w", err)
		}
		h.boards.Changed(ctx, row.TaskResidenceIds...)
		return contractorResponse(updatedCard(row))
	}
}

// maxContractorUpdateAttempts bounds the retries of a specialty replacement that raced other updates of the
// same contractor; each lost race means another update committed.
const maxContractorUpdateAttempts = 10

// DeleteContractor deletes a contractor; tasks and completions that named it keep existing without it.
func (h *Handler) DeleteContractor(ctx context.Context, params oas.DeleteContractorParams) (oas.DeleteContractorRes, error) {
	user := app.PrincipalFrom(ctx).User
	res, err := h.q.ContractorDelete(ctx, h.db, &dbsqlc.ContractorDeleteParams{ID: params.ID, UserID: user.ID})
	if err != nil {
		return nil, fmt.Errorf("error deleting contractor: %w", err)
	}
	h.boards.Changed(ctx, res.TaskResidenceIds...)
	if res.Deleted == 0 {
		if err := h.contractorRefusal(ctx, user.ID, params.ID); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("contractor")
	}
	return &oas.DeleteContractorNoContent{}, nil
}

// ToggleContractorFavorite flips the contractor's favorite flag in one statement.
func (h *Handler) ToggleContractorFavorite(ctx context.Context, params oas.ToggleContractorFavoriteParams) (oas.ToggleContractorFavoriteRes, error) {
	user := app.PrincipalFrom(ctx).User
	row, err := h.q.ContractorToggleFavorite(ctx, h.db, &dbsqlc.ContractorToggleFavoriteParams{ID: params.ID, UserID: user.ID})
	err = dberr.Interpret(err)
	if errors.Is(err, dberr.ErrNotFound) {
		if err := h.contractorRefusal(ctx, user.ID, params.ID); err != nil {
			return nil, err
		}
		return nil, apierror.NotFound("contractor")
	}
	if err != nil {
		return nil, fmt.Errorf("error toggling contractor favorite: %w", err)
	}
	return contractorResponse((*dbsqlc.ContractorGetRow)(row))
}

// ListContractorTasks returns the tasks naming a contractor, among those the caller can see, as cards; 404
// when the caller cannot see the contractor.
func (h *Handler) ListContractorTasks(ctx context.Context, params oas.ListContractorTasksParams) (oas.ListContractorTasksRes, error) {
	user := app.PrincipalFrom(ctx).User
	rows, err := h.q.TaskListByContractor(ctx, h.db, &dbsqlc.TaskListByContractorParams{ContractorID: params.ID, UserID: user.ID,
		ThresholdDays: user.DaysThreshold})
	if err != nil {
		return nil, fmt.Errorf("error listing contractor tasks: %w", err)
	}
	if len(rows) == 0 {
		// Empty is either a contractor without visible tasks or one the caller cannot see.
		if _, err := h.GetContractor(ctx, oas.GetContractorParams{ID: params.ID}); err != nil {
			return nil, err
		}
	}
	out := make(oas.ListContractorTasksOKApplicationJSON, len(rows))
	for i, r := range rows {
		out[i] = app.TaskCard((*dbsqlc.TaskBoardRow)(r))
	}
	return &out, nil
}
