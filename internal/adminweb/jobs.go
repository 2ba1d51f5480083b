package adminweb

import (
	"net/http"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// jobErrorsShown is how many recent job errors the jobs page lists.
const jobErrorsShown = 20

func (p *Panel) jobsPage(w http.ResponseWriter, r *http.Request) {
	res, err := p.admin.AdminJobs(r.Context(), adminoas.AdminJobsParams{Errors: adminoas.NewOptInt(jobErrorsShown)})
	if err != nil {
		p.fail(w, r, err)
		return
	}
	rep, ok := res.(*adminoas.JobReport)
	if !ok {
		p.unexpected(w, r, res)
		return
	}
	p.render(w, r, http.StatusOK, "jobs", page{Title: "Jobs", Data: rep})
}
