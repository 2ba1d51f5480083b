package adminweb

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// dashboardView is the dashboard page: the admin API's numbers, laid out as cards and small tables.
type dashboardView struct {
	D       *adminoas.Dashboard
	Columns []count
	Devices []count
	Jobs    []count
	Bytes   string
	Chart   lineChart
}

// count is one labelled number of a small table.
type count struct {
	Label string
	N     int64
}

func (p *Panel) dashboardPage(w http.ResponseWriter, r *http.Request) {
	res, err := p.admin.AdminDashboard(r.Context())
	if err != nil {
		p.fail(w, r, err)
		return
	}
	d, ok := res.(*adminoas.Dashboard)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	c := d.TasksByColumn
	v := dashboardView{D: d, Bytes: humanBytes(d.Documents.Bytes),
		Columns: []count{{"Overdue", c.Overdue}, {"Due soon", c.DueSoon}, {"Upcoming", c.Upcoming},
			{"In progress", c.InProgress}, {"Completed", c.Completed}, {"Cancelled", c.Cancelled}},
		Devices: sortedCounts(d.DevicesByPlatform), Jobs: sortedCounts(d.JobsByState), Chart: dailyChart(d.Daily)}
	p.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard", Data: v})
}

// sortedCounts lists a map's counts by label, so the page reads the same on every load.
func sortedCounts(m map[string]int64) []count {
	out := make([]count, 0, len(m))
	for k, n := range m {
		out = append(out, count{k, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}

// humanBytes writes n bytes in the largest binary unit that keeps it at least 1.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
