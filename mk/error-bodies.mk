# Issue 19: no error body may show a stack trace, SQL or Go error text. Every API test's traffic passes through
# internal/apitest's transports, which fail the test that got such a body at once; `make test` also has them
# append every 4xx/5xx body to $(ERROR_BODIES) (HOMEKEEP_ERROR_BODIES) and greps the whole run's bodies once
# more at its end, so one list shows every offending body of the suite.
ERROR_BODIES = $(CURDIR)/test-artifacts/error-bodies
# The texts internal/apitest's leakPatterns refuse, as one extended regular expression.
ERROR_BODY_LEAKS = pq:|pgx|sql|\.go:|goroutine|runtime error|panic

.PHONY: check-error-bodies

## check-error-bodies: fail when an error body the tests collected under $(ERROR_BODIES) shows internals.
check-error-bodies:
	@files=$$(find $(ERROR_BODIES) -name '*.txt' 2>/dev/null); \
	if [ -z "$$files" ]; then echo "check-error-bodies: no error bodies under $(ERROR_BODIES)"; exit 0; fi; \
	awk '/^### / { head = $$0; n++; next } \
		/$(ERROR_BODY_LEAKS)/ { print "error body shows internals: " substr(head, 5) "\n    " $$0; bad = 1 } \
		END { printf "check-error-bodies: %d error bodies checked\n", n; exit bad }' $$files
