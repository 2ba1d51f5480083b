package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// AdminDashboard answers numbers about the whole installation, read in one statement (AdminDashboard in
// db/queries/admin_dashboard.sql says what each counts); every role may read it.
func (h *Handler) AdminDashboard(ctx context.Context) (adminoas.AdminDashboardRes, error) {
	r, err := h.q.AdminDashboard(ctx, h.db)
	if err != nil {
		return nil, fmt.Errorf("error reading the dashboard: %w", err)
	}
	var columns map[string]int64
	devices := adminoas.DashboardDevicesByPlatform{}
	jobs := adminoas.DashboardJobsByState{}
	for _, c := range []struct {
		raw []byte
		v   any
	}{{r.TasksByColumn, &columns}, {r.DevicesByPlatform, &devices}, {r.JobsByState, &jobs}} {
		if err := json.Unmarshal(c.raw, c.v); err != nil {
			return nil, fmt.Errorf("error decoding the dashboard: %w", err)
		}
	}
	daily, err := dashboardDays(r.Daily)
	if err != nil {
		return nil, err
	}
	return &adminoas.Dashboard{
		Daily:      daily,
		Users:      adminoas.DashboardUsers{Total: r.UsersTotal, Active7d: r.UsersActive7d, Active30d: r.UsersActive30d},
		Residences: r.Residences,
		TasksByColumn: adminoas.DashboardTaskColumns{Overdue: columns["overdue"], DueSoon: columns["due_soon"],
			Upcoming: columns["upcoming"], InProgress: columns["in_progress"], Completed: columns["completed"],
			Cancelled: columns["cancelled"]},
		Completions30d:    r.Completions30d,
		Documents:         adminoas.DashboardDocuments{Count: r.Documents, Bytes: r.DocumentBytes},
		DevicesByPlatform: devices,
		JobsByState:       jobs,
	}, nil
}

// dashboardDays decodes the statement's daily series, [["2026-11-29", completions, sign-ups], ...].
func dashboardDays(raw []byte) ([]adminoas.DashboardDay, error) {
	var rows [][3]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, fmt.Errorf("error decoding the dashboard's days: %w", err)
	}
	out := make([]adminoas.DashboardDay, 0, len(rows))
	for _, row := range rows {
		var (
			date     string
			day      adminoas.DashboardDay
			decoding = []struct {
				raw json.RawMessage
				v   any
			}{{row[0], &date}, {row[1], &day.Completions}, {row[2], &day.SignUps}}
		)
		for _, d := range decoding {
			if err := json.Unmarshal(d.raw, d.v); err != nil {
				return nil, fmt.Errorf("error decoding the dashboard's days: %w", err)
			}
		}
		t, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return nil, fmt.Errorf("error decoding the dashboard's days: %w", err)
		}
		day.Date = t
		out = append(out, day)
	}
	return out, nil
}
