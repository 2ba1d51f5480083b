package telemetry

import (
	"context"
	"encoding/json"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// emptyMetadata is a job's metadata when there is no trace to carry.
const emptyMetadata = "{}"

// JobMetadata is the river_job metadata for a job a statement inserts itself (jobs.SQLInsert): the W3C
// traceparent of the span in ctx, which river's otelriver middleware reads when the job is worked and links
// the job's span to. Without a span (tracing off, or a request sampled out) it is {}. The trace context
// propagator is used directly, whatever the global one is: the link is ours, not a header to a third party.
func JobMetadata(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsSampled() {
		return emptyMetadata
	}
	carrier := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, carrier)
	b, err := json.Marshal(carrier)
	if err != nil {
		return emptyMetadata
	}
	return string(b)
}
