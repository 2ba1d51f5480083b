package subscriptions

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
)

// Deps is what the subscription operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
}

// Handler implements the Subscriptions operations.
type Handler struct {
	db *dbpool.DB
	q  *dbsqlc.Queries
}

var _ oas.SubscriptionsHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler { return &Handler{db: d.DB, q: dbsqlc.New()} }

// GetSubscription returns the caller's tier, limits, usage and the paywall's content in one statement. The
// limits and the paywall are read with the usage rather than cached: the statement is needed for the usage
// anyway, so they cost no round trip, and an operator's change shows on the next request in every process.
func (h *Handler) GetSubscription(ctx context.Context) (oas.GetSubscriptionRes, error) {
	r, err := h.q.SubscriptionGet(ctx, h.db, app.PrincipalFrom(ctx).User.ID)
	if err != nil {
		return nil, fmt.Errorf("error loading the subscription: %w", err)
	}
	return FromRow(r)
}

// FromRow is the subscription as GET /subscription answers it, from its SubscriptionGet row. Other
// operations that answer the subscription (a store purchase) read the row in their own round trip and map it
// here, so every answer has the same shape.
func FromRow(r *dbsqlc.SubscriptionGetRow) (*oas.Subscription, error) {
	id, err := uuid.Parse(r.AppAccountID)
	if err != nil {
		return nil, fmt.Errorf("error reading the app-account id: %w", err)
	}
	out := &oas.Subscription{AppAccountID: id, Tier: oas.SubscriptionTier(r.Tier), Source: oas.SubscriptionSource(r.Source),
		EntitledUntil: app.NilDateTime(app.UTCPtr(r.EntitledUntil)), AutoRenew: r.AutoRenew,
		LimitationsEnabled: r.LimitationsEnabled,
		Limits: oas.TierLimits{Residences: nilCount(r.MaxResidences), Tasks: nilCount(r.MaxTasks),
			Contractors: nilCount(r.MaxContractors), Documents: nilCount(r.MaxDocuments), FileBytes: app.NilInt64(r.MaxFileBytes)},
		Usage: oas.SubscriptionUsage{Residences: int64(r.UsedResidences), PersonalContractors: int64(r.UsedPersonalContractors),
			ByResidence: []oas.ResidenceUsage{}},
		UpgradeTriggers: []oas.UpgradeTrigger{}, Features: []oas.FeatureBenefit{}}
	var by []struct {
		ResidenceID int64 `json:"residence_id"`
		Tasks       int64 `json:"tasks"`
		Contractors int64 `json:"contractors"`
		Documents   int64 `json:"documents"`
		FileBytes   int64 `json:"file_bytes"`
	}
	var triggers []struct{ Key, Title, Body string }
	var features []struct{ Title, Free, Pro string }
	for _, part := range []struct {
		raw  []byte
		into any
	}{{r.ByResidence, &by}, {r.UpgradeTriggers, &triggers}, {r.Features, &features}} {
		if err := json.Unmarshal(part.raw, part.into); err != nil {
			return nil, fmt.Errorf("error decoding the subscription: %w", err)
		}
	}
	for _, b := range by {
		out.Usage.ByResidence = append(out.Usage.ByResidence, oas.ResidenceUsage{ResidenceID: b.ResidenceID, Tasks: b.Tasks,
			Contractors: b.Contractors, Documents: b.Documents, FileBytes: b.FileBytes})
	}
	for _, g := range triggers {
		out.UpgradeTriggers = append(out.UpgradeTriggers, oas.UpgradeTrigger{Key: oas.LimitedResource(g.Key), Title: g.Title, Body: g.Body})
	}
	for _, f := range features {
		out.Features = append(out.Features, oas.FeatureBenefit{Title: f.Title, Free: f.Free, Pro: f.Pro})
	}
	return out, nil
}

// nilCount is a count limit, null when unlimited.
func nilCount(v *int32) oas.NilInt64 {
	if v == nil {
		return oas.NilInt64{Null: true}
	}
	return oas.NewNilInt64(int64(*v))
}
