package adminweb

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/homekeep/homekeep/internal/gen/adminoas"
)

func TestDailyChartScalesToTheBusiestDay(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	days := []adminoas.DashboardDay{
		{Date: start, Completions: 0, SignUps: 2},
		{Date: start.AddDate(0, 0, 1), Completions: 4, SignUps: 0},
		{Date: start.AddDate(0, 0, 2), Completions: 1, SignUps: 1},
	}
	c := dailyChart(days)
	require.EqualValues(t, 4, c.Max)
	// x from the left padding to the right edge; y from the bottom (0) to the top (the maximum).
	require.Equal(t, "36,138 314,10 592,106", c.Series[0].Points)
	require.Equal(t, "36,74 314,138 592,106", c.Series[1].Points)
	require.EqualValues(t, 5, c.Series[0].Total)
	require.EqualValues(t, 3, c.Series[1].Total)
	require.Equal(t, "Nov 1", c.FirstDay)
	require.Equal(t, "Nov 3", c.LastDay)
	require.Contains(t, c.Summary, "5 completions and 3 sign-ups")
}

func TestDailyChartOfAnEmptyInstallationIsFlat(t *testing.T) {
	t.Parallel()
	c := dailyChart([]adminoas.DashboardDay{{Date: time.Now()}, {Date: time.Now()}})
	require.EqualValues(t, 1, c.Max, "no division by zero")
	require.Equal(t, "36,138 592,138", c.Series[0].Points)
}
