package adminweb

import "net/http"

func (p *Panel) dashboardPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard"})
}
