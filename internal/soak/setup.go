package soak

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// setupWorkers is how many setup requests run at once (registration hashes passwords: CPU-bound).
const setupWorkers = 4

// Per household at set-up: the owner and members (editors, by share code), tasks and a contractor.
const (
	membersPerHousehold = 4
	tasksPerHousehold   = 5
)

// setUp registers the users, makes households of them (each owner creates a residence and issues a share
// code its members join with) and gives each residence tasks and a contractor. Everything goes through the
// API, so the database holds only what Homekeep itself wrote.
func setUp(ctx context.Context, api *apiClient, w *world, users int, runID string, acks *acked) error {
	w.users = make([]*user, users)
	err := parallel(users, func(i int) error {
		u := &user{email: fmt.Sprintf("soak-%s-%d@example.com", runID, i),
			ip: fmt.Sprintf("10.%d.%d.%d", 20+i/65536, i/256%256, i%256)}
		var out struct {
			Token string `json:"token"`
			User  struct {
				ID int64 `json:"id"`
			} `json:"user"`
		}
		if _, err := api.do(ctx, call{method: http.MethodPost, path: "/auth/register", ip: u.ip,
			body: jsonBody(map[string]any{"email": u.email, "password": password, "first_name": "Soak"}),
			want: []int{http.StatusCreated}}, &out); err != nil {
			return fmt.Errorf("error registering user %d: %w", i, err)
		}
		u.id, u.token = out.User.ID, out.Token
		w.users[i] = u
		return nil
	})
	if err != nil {
		return err
	}

	var static struct {
		Frequencies []struct {
			ID           int64  `json:"id"`
			IntervalDays *int32 `json:"interval_days"`
		} `json:"task_frequencies"`
	}
	if _, err := api.do(ctx, call{method: http.MethodGet, path: "/static-data", token: w.users[0].token, ip: w.users[0].ip}, &static); err != nil {
		return fmt.Errorf("error reading static data: %w", err)
	}
	for _, f := range static.Frequencies {
		if f.IntervalDays != nil {
			w.frequencies = append(w.frequencies, f.ID)
		}
	}

	households := max(users/membersPerHousehold, 1)
	w.residences = make([]*residence, households)
	err = parallel(households, func(i int) error {
		owner := w.users[i]
		r := &residence{owner: owner}
		var res struct {
			ID int64 `json:"id"`
		}
		if _, err := api.do(ctx, call{method: http.MethodPost, path: "/residences", token: owner.token, ip: owner.ip,
			body: jsonBody(map[string]any{"name": fmt.Sprintf("Soak house %d", i)}), want: []int{http.StatusCreated}},
			&res); err != nil {
			return fmt.Errorf("error creating residence %d: %w", i, err)
		}
		r.id = res.ID
		var sc struct {
			Code string `json:"code"`
		}
		if _, err := api.do(ctx, call{method: http.MethodPost, path: fmt.Sprintf("/residences/%d/share-code", r.id),
			token: owner.token, ip: owner.ip, body: jsonBody(map[string]any{"role": "editor", "expires_in_hours": 168}),
			want: []int{http.StatusCreated}}, &sc); err != nil {
			return fmt.Errorf("error issuing a share code for residence %d: %w", i, err)
		}
		r.code = sc.Code
		w.residences[i] = r
		return nil
	})
	if err != nil {
		return err
	}
	for i, r := range w.residences {
		w.memberOf[w.users[i]] = []*residence{r}
	}

	// The other users join the households round-robin.
	err = parallel(users-households, func(k int) error {
		u, r := w.users[households+k], w.residences[k%households]
		if _, err := api.do(ctx, call{method: http.MethodPost, path: "/residences/join", token: u.token, ip: u.ip,
			body: jsonBody(map[string]any{"code": r.code})}, nil); err != nil {
			return fmt.Errorf("error joining user %d to a residence: %w", households+k, err)
		}
		w.addMember(u, r)
		return nil
	})
	if err != nil {
		return err
	}

	err = parallel(households, func(i int) error {
		r := w.residences[i]
		for k := range tasksPerHousehold {
			body := map[string]any{"residence_id": r.id, "title": fmt.Sprintf("Setup task %d", k),
				"due_date": time.Now().AddDate(0, 0, k*7-7).Format(time.DateOnly)}
			if len(w.frequencies) > 0 {
				body["frequency_id"] = w.frequencies[k%len(w.frequencies)]
			}
			var out struct {
				ID int64 `json:"id"`
			}
			if _, err := api.do(ctx, call{method: http.MethodPost, path: "/tasks", token: r.owner.token, ip: r.owner.ip,
				body: jsonBody(body), want: []int{http.StatusCreated}}, &out); err != nil {
				return fmt.Errorf("error creating a task in residence %d: %w", i, err)
			}
			acks.tasks.Add(1)
			w.addTask(r, out.ID)
		}
		if _, err := api.do(ctx, call{method: http.MethodPost, path: "/contractors", token: r.owner.token,
			ip: r.owner.ip, body: jsonBody(map[string]any{"residence_id": r.id, "name": "Setup Electric"}),
			want: []int{http.StatusCreated}}, nil); err != nil {
			return fmt.Errorf("error creating a contractor in residence %d: %w", i, err)
		}
		acks.contractors.Add(1)
		return nil
	})
	if err != nil {
		return err
	}

	// Every pair not joined yet, shuffled: the joins of the run.
	for _, u := range w.users {
		in := map[*residence]bool{}
		for _, r := range w.memberOf[u] {
			in[r] = true
		}
		for _, r := range w.residences {
			if !in[r] {
				w.joinable = append(w.joinable, membership{u: u, r: r})
			}
		}
	}
	w.rng.Shuffle(len(w.joinable), func(i, j int) { w.joinable[i], w.joinable[j] = w.joinable[j], w.joinable[i] })
	return nil
}

// parallel runs f(0..n-1) on setupWorkers goroutines and returns the first error.
func parallel(n int, f func(int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int
	)
	for range min(setupWorkers, n) {
		wg.Go(func() {
			for {
				mu.Lock()
				i, stop := next, first != nil || next >= n
				next++
				mu.Unlock()
				if stop {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return first
}
