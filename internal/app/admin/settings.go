package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5"

	"github.com/homekeep/homekeep/internal/apierror"
	"github.com/homekeep/homekeep/internal/gen/adminoas"
	"github.com/homekeep/homekeep/internal/gen/dbsqlc"
)

// settingsDoc is the settings document AdminSettingsGet reads (in the shape of adminoas.Settings), and what
// the audit row of a change records before and after.
type settingsDoc struct {
	LimitationsEnabled bool                  `json:"limitations_enabled"`
	Tiers              map[string]tierLimits `json:"tiers"`
	UpgradeTriggers    []upgradeTrigger      `json:"upgrade_triggers"`
	Features           []featureBenefit      `json:"features"`
	ReminderDefaults   reminderDefaults      `json:"reminder_defaults"`
}

type reminderDefaults struct {
	Hour int `json:"hour"`
}

type tierLimits struct {
	Residences  *int   `json:"residences"`
	Tasks       *int   `json:"tasks"`
	Contractors *int   `json:"contractors"`
	Documents   *int   `json:"documents"`
	FileBytes   *int64 `json:"file_bytes"`
}

type upgradeTrigger struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Body  string `json:"body"`
}

type featureBenefit struct {
	Title string `json:"title"`
	Free  string `json:"free"`
	Pro   string `json:"pro"`
}

// readSettings reads the settings document with db (the pool, or a change's transaction).
func (h *Handler) readSettings(ctx context.Context, db dbsqlc.DBTX) (settingsDoc, error) {
	raw, err := h.q.AdminSettingsGet(ctx, db)
	if err != nil {
		return settingsDoc{}, fmt.Errorf("error reading the settings: %w", err)
	}
	var d settingsDoc
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return settingsDoc{}, fmt.Errorf("error decoding the settings: %w", err)
	}
	return d, nil
}

// AdminSettingsGet answers the run-time settings; every role may read them.
func (h *Handler) AdminSettingsGet(ctx context.Context) (adminoas.AdminSettingsGetRes, error) {
	d, err := h.readSettings(ctx, h.db)
	if err != nil {
		return nil, err
	}
	return d.toAPI(), nil
}

// AdminSettingsUpdate changes the settings present in the request, in one transaction with its audit row,
// and then drops the paywall document every process caches for GET /subscription, so each shows the change
// on its next request (creates read the limits, and the reminder planner and notification preferences the
// default hour, in their own statements, and need nothing dropped).
func (h *Handler) AdminSettingsUpdate(ctx context.Context, req *adminoas.SettingsPatch) (adminoas.AdminSettingsUpdateRes, error) {
	if err := validateSettingsPatch(req); err != nil {
		return nil, err
	}
	var after settingsDoc
	err := h.mutate(ctx, func(tx pgx.Tx) ([]Change, error) {
		if err := h.q.AdminSettingsLock(ctx, tx); err != nil {
			return nil, fmt.Errorf("error locking the settings: %w", err)
		}
		before, err := h.readSettings(ctx, tx)
		if err != nil {
			return nil, err
		}
		if err := h.applySettings(ctx, tx, req); err != nil {
			return nil, err
		}
		if after, err = h.readSettings(ctx, tx); err != nil {
			return nil, err
		}
		if reflect.DeepEqual(before, after) {
			return nil, nil // nothing changed: no audit row
		}
		return []Change{{Action: "settings.update", TargetType: "settings", TargetID: "app", Before: before, After: after}}, nil
	})
	if err != nil {
		return nil, err
	}
	if h.paywall != nil {
		if err := h.paywall.Invalidate(ctx); err != nil {
			// The change is committed: the cached document expires within a day, or the next change or clear-cache
			// drops it. Limits themselves already apply (creates read them in their own statements).
			h.log.ErrorContext(ctx, "settings changed, but the cached paywall document could not be dropped", "error", err)
		}
	}
	return after.toAPI(), nil
}

// validateSettingsPatch checks what the spec cannot: each upgrade trigger key at most once.
func validateSettingsPatch(req *adminoas.SettingsPatch) error {
	fields := map[string]string{}
	seen := map[adminoas.UpgradeTriggerKey]bool{}
	for i, t := range req.UpgradeTriggers {
		if seen[t.Key] {
			fields[fmt.Sprintf("upgrade_triggers.%d.key", i)] = "is listed twice"
		}
		seen[t.Key] = true
	}
	if len(fields) > 0 {
		return apierror.Validation(fields)
	}
	return nil
}

// applySettings writes the fields present in req with tx.
func (h *Handler) applySettings(ctx context.Context, tx pgx.Tx, req *adminoas.SettingsPatch) error {
	if on, ok := req.LimitationsEnabled.Get(); ok {
		if _, err := h.q.AppSettingsSetLimitations(ctx, tx, on); err != nil {
			return fmt.Errorf("error switching limitations: %w", err)
		}
	}
	if r, ok := req.ReminderDefaults.Get(); ok {
		if err := h.q.AdminSettingsSetReminderHour(ctx, tx, int32(r.Hour)); err != nil { //nolint:gosec // G115: 0..23 (the spec)
			return fmt.Errorf("error setting the default reminder hour: %w", err)
		}
	}
	if tiers, ok := req.Tiers.Get(); ok {
		for tier, p := range map[string]adminoas.OptTierLimitsPatch{"free": tiers.Free, "pro": tiers.Pro} {
			limits, ok := p.Get()
			if !ok {
				continue
			}
			if _, err := h.q.AdminSettingsTierUpdate(ctx, tx, tierUpdate(tier, limits)); err != nil {
				return fmt.Errorf("error setting the limits of tier %s: %w", tier, err)
			}
		}
	}
	for _, t := range req.UpgradeTriggers {
		if _, err := h.q.AdminSettingsTriggerUpdate(ctx, tx, &dbsqlc.AdminSettingsTriggerUpdateParams{
			Key: string(t.Key), Title: t.Title, Body: t.Body}); err != nil {
			return fmt.Errorf("error setting an upgrade trigger: %w", err)
		}
	}
	if req.Features != nil {
		if err := h.q.AdminSettingsFeaturesDelete(ctx, tx); err != nil {
			return fmt.Errorf("error replacing the comparison table: %w", err)
		}
		p := &dbsqlc.AdminSettingsFeaturesInsertParams{}
		for i, f := range req.Features {
			p.Positions = append(p.Positions, int32(i+1)) //nolint:gosec // G115: at most 50 rows (maxItems)
			p.Titles, p.FreeTexts, p.ProTexts = append(p.Titles, f.Title), append(p.FreeTexts, f.Free), append(p.ProTexts, f.Pro)
		}
		if len(req.Features) > 0 {
			if err := h.q.AdminSettingsFeaturesInsert(ctx, tx, p); err != nil {
				return fmt.Errorf("error replacing the comparison table: %w", err)
			}
		}
	}
	return nil
}

// tierUpdate turns a tier's patch into the statement's parameters: a limit present is set (null: unlimited),
// an absent one stays.
func tierUpdate(tier string, p adminoas.TierLimitsPatch) *dbsqlc.AdminSettingsTierUpdateParams {
	u := &dbsqlc.AdminSettingsTierUpdateParams{Tier: tier}
	u.SetResidences, u.MaxResidences = optNilInt32(p.Residences)
	u.SetTasks, u.MaxTasks = optNilInt32(p.Tasks)
	u.SetContractors, u.MaxContractors = optNilInt32(p.Contractors)
	u.SetDocuments, u.MaxDocuments = optNilInt32(p.Documents)
	if p.FileBytes.IsSet() {
		u.SetFileBytes = true
		if v, ok := p.FileBytes.Get(); ok {
			u.MaxFileBytes = &v
		}
	}
	return u
}

// optNilInt32 says whether a limit is present and, if not null, its value (the spec bounds it to 10^9).
func optNilInt32(o adminoas.OptNilInt) (bool, *int32) {
	if !o.IsSet() {
		return false, nil
	}
	v, ok := o.Get()
	if !ok {
		return true, nil
	}
	n := int32(v) //nolint:gosec // G115: the spec bounds limits to 0..10^9
	return true, &n
}

func (d settingsDoc) toAPI() *adminoas.Settings {
	s := &adminoas.Settings{LimitationsEnabled: d.LimitationsEnabled,
		Tiers:            adminoas.SettingsTiers{Free: d.Tiers["free"].toAPI(), Pro: d.Tiers["pro"].toAPI()},
		UpgradeTriggers:  make([]adminoas.UpgradeTrigger, 0, len(d.UpgradeTriggers)),
		Features:         make([]adminoas.FeatureBenefit, 0, len(d.Features)),
		ReminderDefaults: adminoas.ReminderDefaults{Hour: d.ReminderDefaults.Hour}}
	for _, t := range d.UpgradeTriggers {
		s.UpgradeTriggers = append(s.UpgradeTriggers, adminoas.UpgradeTrigger{Key: adminoas.UpgradeTriggerKey(t.Key), Title: t.Title, Body: t.Body})
	}
	for _, f := range d.Features {
		s.Features = append(s.Features, adminoas.FeatureBenefit{Title: f.Title, Free: f.Free, Pro: f.Pro})
	}
	return s
}

func (t tierLimits) toAPI() adminoas.TierLimits {
	return adminoas.TierLimits{Residences: nilInt(t.Residences), Tasks: nilInt(t.Tasks),
		Contractors: nilInt(t.Contractors), Documents: nilInt(t.Documents), FileBytes: nilInt64(t.FileBytes)}
}

func nilInt(v *int) adminoas.NilInt {
	if v == nil {
		return adminoas.NilInt{Null: true}
	}
	return adminoas.NewNilInt(*v)
}

func nilInt64(v *int64) adminoas.NilInt64 {
	if v == nil {
		return adminoas.NilInt64{Null: true}
	}
	return adminoas.NewNilInt64(*v)
}
