package subscriptions

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/homekeep/homekeep/internal/app"
	"github.com/homekeep/homekeep/internal/dbpool"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
	"github.com/homekeep/homekeep/internal/gen/oas"
	"github.com/homekeep/homekeep/internal/refcache"
)

// Deps is what the subscription operations use.
type Deps struct {
	// DB is the pool as handlers use it (see dbpool.DB).
	DB *dbpool.DB
	// Paywall caches what GET /subscription shows every account alike (the limitations switch, the tiers'
	// limits, the paywall's content); changes invalidate it (InvalidatePaywall). Nil reads it each time.
	Paywall *refcache.Cache
}

// Handler implements the Subscriptions operations.
type Handler struct {
	db      *dbpool.DB
	q       *dbsqlc.Queries
	paywall *refcache.Cache
	// parsed is the last paywall document decoded, reused while the cache returns the same one.
	parsed atomic.Pointer[paywallMemo]
}

var _ oas.SubscriptionsHandler = (*Handler)(nil)

// New returns a Handler built on d.
func New(d Deps) *Handler { return &Handler{db: d.DB, q: dbsqlc.New(), paywall: d.Paywall} }

// paywallDoc is the cached document (SubscriptionPaywall's JSON).
type paywallDoc struct {
	LimitationsEnabled bool                  `json:"limitations_enabled"`
	Tiers              map[string]tierLimits `json:"tiers"`
	UpgradeTriggers    []struct {
		Key, Title, Body string
	} `json:"upgrade_triggers"`
	Features []struct {
		Title, Free, Pro string
	} `json:"features"`
}

// tierLimits are one tier's limits; nil is unlimited.
type tierLimits struct {
	Residences  *int64 `json:"residences"`
	Tasks       *int64 `json:"tasks"`
	Contractors *int64 `json:"contractors"`
	Documents   *int64 `json:"documents"`
	FileBytes   *int64 `json:"file_bytes"`
}

type paywallMemo struct {
	raw string
	doc *paywallDoc
}

// GetSubscription returns the caller's tier, limits, usage and the paywall's content. What every account
// sees alike comes from the paywall cache (one statement for the caller's own part when it is warm; the two
// together in one round trip when it is not), and every change to it invalidates it in every process, so a
// change shows on the next request. The creates themselves check the limits in their own statements.
func (h *Handler) GetSubscription(ctx context.Context) (oas.GetSubscriptionRes, error) {
	userID := app.PrincipalFrom(ctx).User.ID
	var (
		raw  string
		ok   bool
		fill refcache.Fill
		user *dbsqlc.SubscriptionOfUserRow
	)
	if h.paywall != nil {
		raw, ok, fill = h.paywall.Lookup(ctx)
	}
	var err error
	if ok {
		user, err = h.q.SubscriptionOfUser(ctx, h.db, userID)
	} else {
		err = app.ReadTogether(ctx, h.db,
			func(db dbsqlc.DBTX) (err error) {
				user, err = h.q.SubscriptionOfUser(ctx, db, userID)
				return err
			},
			func(db dbsqlc.DBTX) (err error) {
				raw, err = h.q.SubscriptionPaywall(ctx, db)
				return err
			})
		if err == nil && h.paywall != nil {
			h.paywall.Store(fill, raw)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("error loading the subscription: %w", err)
	}
	doc, err := h.decode(raw)
	if err != nil {
		return nil, err
	}
	return build(user, doc)
}

// InvalidatePaywall drops the cached paywall document everywhere, after a change to the limitations switch,
// a tier's limits or the paywall's content.
func (h *Handler) InvalidatePaywall(ctx context.Context) error {
	if h.paywall == nil {
		return nil
	}
	return h.paywall.Invalidate(ctx)
}

// decode parses the paywall document, once per distinct document.
func (h *Handler) decode(raw string) (*paywallDoc, error) {
	if m := h.parsed.Load(); m != nil && m.raw == raw {
		return m.doc, nil
	}
	var doc paywallDoc
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return nil, fmt.Errorf("error decoding the paywall document: %w", err)
	}
	h.parsed.Store(&paywallMemo{raw: raw, doc: &doc})
	return &doc, nil
}

// FromRow is the subscription as GET /subscription answers it, from a SubscriptionGetRow (everything read
// fresh in one statement). Other operations that answer the subscription (a store purchase) read the row in
// their own round trip and map it here, so every answer has the same shape.
func FromRow(r *dbsqlc.SubscriptionGetRow) (*oas.Subscription, error) {
	doc := &paywallDoc{LimitationsEnabled: r.LimitationsEnabled, Tiers: map[string]tierLimits{r.Tier: {
		Residences: widen(r.MaxResidences), Tasks: widen(r.MaxTasks), Contractors: widen(r.MaxContractors),
		Documents: widen(r.MaxDocuments), FileBytes: r.MaxFileBytes}}}
	if err := json.Unmarshal(r.UpgradeTriggers, &doc.UpgradeTriggers); err != nil {
		return nil, fmt.Errorf("error decoding the upgrade triggers: %w", err)
	}
	if err := json.Unmarshal(r.Features, &doc.Features); err != nil {
		return nil, fmt.Errorf("error decoding the features: %w", err)
	}
	return build(&dbsqlc.SubscriptionOfUserRow{AppAccountID: r.AppAccountID, Tier: r.Tier, Source: r.Source,
		EntitledUntil: r.EntitledUntil, AutoRenew: r.AutoRenew, UsedResidences: r.UsedResidences,
		UsedPersonalContractors: r.UsedPersonalContractors, ByResidence: r.ByResidence}, doc)
}

// build is the answer from the caller's own part and the document every account shares.
func build(u *dbsqlc.SubscriptionOfUserRow, doc *paywallDoc) (*oas.Subscription, error) {
	id, err := uuid.Parse(u.AppAccountID)
	if err != nil {
		return nil, fmt.Errorf("error reading the app-account id: %w", err)
	}
	l := doc.Tiers[u.Tier]
	out := &oas.Subscription{AppAccountID: id, Tier: oas.SubscriptionTier(u.Tier), Source: oas.SubscriptionSource(u.Source),
		EntitledUntil: app.NilDateTime(app.UTCPtr(u.EntitledUntil)), AutoRenew: u.AutoRenew,
		LimitationsEnabled: doc.LimitationsEnabled,
		Limits: oas.TierLimits{Residences: app.NilInt64(l.Residences), Tasks: app.NilInt64(l.Tasks),
			Contractors: app.NilInt64(l.Contractors), Documents: app.NilInt64(l.Documents), FileBytes: app.NilInt64(l.FileBytes)},
		Usage: oas.SubscriptionUsage{Residences: int64(u.UsedResidences), PersonalContractors: int64(u.UsedPersonalContractors),
			ByResidence: []oas.ResidenceUsage{}},
		UpgradeTriggers: make([]oas.UpgradeTrigger, 0, len(doc.UpgradeTriggers)),
		Features:        make([]oas.FeatureBenefit, 0, len(doc.Features))}
	var by []struct {
		ResidenceID int64 `json:"residence_id"`
		Tasks       int64 `json:"tasks"`
		Contractors int64 `json:"contractors"`
		Documents   int64 `json:"documents"`
		FileBytes   int64 `json:"file_bytes"`
	}
	if err := json.Unmarshal(u.ByResidence, &by); err != nil {
		return nil, fmt.Errorf("error decoding the usage: %w", err)
	}
	for _, b := range by {
		out.Usage.ByResidence = append(out.Usage.ByResidence, oas.ResidenceUsage{ResidenceID: b.ResidenceID, Tasks: b.Tasks,
			Contractors: b.Contractors, Documents: b.Documents, FileBytes: b.FileBytes})
	}
	for _, g := range doc.UpgradeTriggers {
		out.UpgradeTriggers = append(out.UpgradeTriggers, oas.UpgradeTrigger{Key: oas.LimitedResource(g.Key), Title: g.Title, Body: g.Body})
	}
	for _, f := range doc.Features {
		out.Features = append(out.Features, oas.FeatureBenefit{Title: f.Title, Free: f.Free, Pro: f.Pro})
	}
	return out, nil
}

// widen is a count limit as the document holds it.
func widen(v *int32) *int64 {
	if v == nil {
		return nil
	}
	w := int64(*v)
	return &w
}
