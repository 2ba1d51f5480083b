package adminweb

import (
	"fmt"
	"strings"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

// The dashboard chart's drawing area, in SVG user units; the SVG scales to its container's width.
const (
	chartWidth   = 600
	chartHeight  = 160
	chartPadLeft = 36
	chartPadTop  = 10
	chartPadBot  = 22
)

// lineChart is a small server-drawn SVG chart of daily series: no script, nothing fetched, so it renders under
// the panel's policy and without JavaScript.
type lineChart struct {
	Width, Height int
	Series        []chartSeries
	// Max is the top of the y axis, YTop and YBottom its pixel positions; FirstDay/LastDay label the x axis.
	Max               int64
	YTop, YBottom     int
	XLeft, XRight     int
	FirstDay, LastDay string
	Summary           string
}

// chartSeries is one line: its name, its CSS class (colour) and its points as the SVG polyline wants them.
type chartSeries struct {
	Name, Class, Points string
	Total               int64
}

// dailyChart draws completions and sign-ups per day.
func dailyChart(days []adminoas.DashboardDay) lineChart {
	c := lineChart{Width: chartWidth, Height: chartHeight, YTop: chartPadTop, YBottom: chartHeight - chartPadBot,
		XLeft: chartPadLeft, XRight: chartWidth - 8, Max: 1}
	for _, d := range days {
		c.Max = max(c.Max, d.Completions, d.SignUps)
	}
	if len(days) > 0 {
		c.FirstDay, c.LastDay = days[0].Date.Format("Jan 2"), days[len(days)-1].Date.Format("Jan 2")
	}
	completions := chartSeries{Name: "Completions", Class: "s-completions"}
	signUps := chartSeries{Name: "Sign-ups", Class: "s-signups"}
	var cp, sp []string
	for i, d := range days {
		x := c.XLeft
		if len(days) > 1 {
			x += i * (c.XRight - c.XLeft) / (len(days) - 1)
		}
		cp = append(cp, fmt.Sprintf("%d,%d", x, c.y(d.Completions)))
		sp = append(sp, fmt.Sprintf("%d,%d", x, c.y(d.SignUps)))
		completions.Total += d.Completions
		signUps.Total += d.SignUps
	}
	completions.Points, signUps.Points = strings.Join(cp, " "), strings.Join(sp, " ")
	c.Series = []chartSeries{completions, signUps}
	c.Summary = fmt.Sprintf("Over the last %d days: %d completions and %d sign-ups; at most %d in a day.",
		len(days), completions.Total, signUps.Total, c.Max)
	return c
}

// y is the pixel row of value v.
func (c lineChart) y(v int64) int {
	return c.YBottom - int(v*int64(c.YBottom-c.YTop)/c.Max)
}
