package soak

import (
	"math/rand/v2"
	"sync"
)

// user is one of the soak's accounts. Its token changes when a sign-in during the run hands out a new one.
type user struct {
	id    int64
	email string
	// ip is the address the user's requests come from (X-Forwarded-For).
	ip string

	mu    sync.Mutex
	token string
	// etag is the board version the user last read, sent back as If-None-Match by conditional reads.
	etag string
}

func (u *user) auth() (token, etag string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.token, u.etag
}

func (u *user) setToken(tok string) {
	u.mu.Lock()
	u.token = tok
	u.mu.Unlock()
}

func (u *user) setETag(tag string) {
	if tag == "" {
		return
	}
	u.mu.Lock()
	u.etag = tag
	u.mu.Unlock()
}

// residence is a household: its owner, its live share code (issued once, for editors) and its tasks.
type residence struct {
	id    int64
	owner *user
	code  string
}

// membership is a user who could join a residence.
type membership struct {
	u *user
	r *residence
}

// world is what the driver knows of the data: who belongs where and which tasks exist. Requests only pick
// what already exists (a task is known once its creation was answered), so every answer has one right
// status.
type world struct {
	mu         sync.Mutex
	rng        *rand.Rand
	users      []*user
	residences []*residence
	memberOf   map[*user][]*residence
	tasks      map[*residence][]int64
	// joinable are the (user, residence) pairs not joined yet, in random order; a join takes the last.
	joinable []membership
	// frequencies are the ids of recurring task frequencies, from /static-data.
	frequencies []int64
}

func newWorld(seed uint64) *world {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: which user comes next needs no secrecy
	return &world{rng: rng, memberOf: map[*user][]*residence{}, tasks: map[*residence][]int64{}}
}

// intn returns a random int in [0, n) under the world's lock.
func (w *world) intn(n int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rng.IntN(n)
}

// pick returns a random user, one of the residences it belongs to and one of that residence's tasks (0 when
// it has none).
func (w *world) pick() (*user, *residence, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	u := w.users[w.rng.IntN(len(w.users))]
	rs := w.memberOf[u]
	r := rs[w.rng.IntN(len(rs))]
	ts := w.tasks[r]
	if len(ts) == 0 {
		return u, r, 0
	}
	return u, r, ts[w.rng.IntN(len(ts))]
}

func (w *world) addMember(u *user, r *residence) {
	w.mu.Lock()
	w.memberOf[u] = append(w.memberOf[u], r)
	w.mu.Unlock()
}

func (w *world) addTask(r *residence, id int64) {
	w.mu.Lock()
	w.tasks[r] = append(w.tasks[r], id)
	w.mu.Unlock()
}

// takeJoinable removes and returns a pair still to join; ok is false when every user belongs everywhere.
func (w *world) takeJoinable() (membership, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.joinable) == 0 {
		return membership{}, false
	}
	m := w.joinable[len(w.joinable)-1]
	w.joinable = w.joinable[:len(w.joinable)-1]
	return m, true
}

// frequency returns a recurring frequency id, or 0 (a one-time task) one time in five.
func (w *world) frequency() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.frequencies) == 0 || w.rng.IntN(5) == 0 {
		return 0
	}
	return w.frequencies[w.rng.IntN(len(w.frequencies))]
}
