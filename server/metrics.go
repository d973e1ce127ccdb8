package server

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/frontline-maps/frontline/catalog"
	"github.com/frontline-maps/frontline/catalog/watch"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Prometheus metrics of one Server, in a registry of its
// own (no global state): requests by route pattern, method and status, a
// latency histogram by route, the index sizes, and the Go runtime's and
// process's collectors. It is safe for concurrent use.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	// unmatched is the series of requests no route took.
	unmatched *routeSeries
}

// Syncer reports how the instance follows its store. Implementations
// must be safe for concurrent use.
type Syncer interface {
	// SyncStatus asks the store for its dataset version and reports the
	// index's, the notifications and the catch-ups.
	SyncStatus(ctx context.Context) catalog.SyncStatus
}

// newMetrics registers the metrics; the index-size gauges read catalog's
// current snapshot at each scrape, and with sync the gauges of following
// the store ask it.
func newMetrics(catalog Catalog, sync Syncer) *metrics {
	return newMetricsWith(catalog, nil, sync, nil, nil)
}

// newMetricsWith is newMetrics with the published view, whose records the
// index gauges count while it differs from the index (/metrics is a
// public read), the outbox's gauges (asked of watches at each scrape) and
// the webhook attempts' counters, each when not nil.
func newMetricsWith(catalog Catalog, pub Publication, sync Syncer, watches Watches, hooks Webhooks) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "frontline_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "frontline_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, body included, by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 9), // 0.5 ms to 33 s
		}, []string{"route"}),
	}
	m.unmatched = m.route("", "unmatched")
	m.registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for i, name := range []string{collectionZones, collectionIncidents, collectionSites} {
		m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "frontline_index_records",
			Help:        "Records in the in-memory index, by collection; 0 while loading.",
			ConstLabels: prometheus.Labels{"collection": name},
		}, func() float64 {
			snap := catalog.Snapshot()
			if pub != nil && pub.Publishing() {
				snap, _ = pub.Published() // /metrics is a public read
			}
			if snap == nil {
				return 0
			}
			z, in, s := snap.Len()
			return float64([3]int{z, in, s}[i])
		}))
	}
	if sync != nil {
		m.registry.MustRegister(syncCollector{sync})
	}
	if watches != nil || hooks != nil {
		m.registry.MustRegister(outboxCollector{watches, hooks})
	}
	return m
}

// outboxCollector reports the outbox's events by delivery state (one store
// query a scrape) and this process's webhook attempts by outcome.
type outboxCollector struct {
	watches Watches
	hooks   Webhooks
}

var (
	outboxEvents = prometheus.NewDesc("frontline_watch_events",
		"Events in the outbox, by webhook delivery state: none (no webhook), pending, delivered, failed, cancelled.", []string{"state"}, nil)
	webhookAttempts = prometheus.NewDesc("frontline_webhook_attempts_total",
		"Webhook delivery attempts of this process, by outcome: delivered, retried (to be tried again), failed (the last allowed).", []string{"outcome"}, nil)
)

// Describe implements prometheus.Collector.
func (outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxEvents
	ch <- webhookAttempts
}

// Collect implements prometheus.Collector.
func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	if c.watches != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if counts, err := c.watches.DeliveryCounts(ctx); err == nil {
			for _, st := range []watch.DeliveryState{watch.DeliveryNone, watch.DeliveryPending, watch.DeliveryDelivered, watch.DeliveryFailed, watch.DeliveryCancelled} {
				ch <- prometheus.MustNewConstMetric(outboxEvents, prometheus.GaugeValue, float64(counts[st]), string(st))
			}
		}
	}
	if c.hooks != nil {
		n := c.hooks.Counts()
		ch <- prometheus.MustNewConstMetric(webhookAttempts, prometheus.CounterValue, float64(n.Delivered), "delivered")
		ch <- prometheus.MustNewConstMetric(webhookAttempts, prometheus.CounterValue, float64(n.Retried), "retried")
		ch <- prometheus.MustNewConstMetric(webhookAttempts, prometheus.CounterValue, float64(n.Failed), "failed")
	}
}

// syncCollector reports SyncStatus at each scrape: one store query for
// every series.
type syncCollector struct{ sync Syncer }

var (
	syncLag = prometheus.NewDesc("frontline_store_lag_versions",
		"Write transactions committed to the store that the index has not applied yet.", nil, nil)
	syncConnected = prometheus.NewDesc("frontline_store_connected",
		"1 when the store answered the scrape's query, else 0.", nil, nil)
	syncListening = prometheus.NewDesc("frontline_store_listening",
		"1 while the connection that receives the store's change notifications is up, else 0 (a GeoPackage store is polled).", nil, nil)
	syncNotifications = prometheus.NewDesc("frontline_store_notifications_total",
		"Change notifications received from the store.", nil, nil)
	syncCatchUps = prometheus.NewDesc("frontline_store_catch_ups_total",
		"Catch-ups that applied changes committed by other processes to the index.", nil, nil)
)

// Describe implements prometheus.Collector.
func (syncCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{syncLag, syncConnected, syncListening, syncNotifications, syncCatchUps} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c syncCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st := c.sync.SyncStatus(ctx)
	ch <- prometheus.MustNewConstMetric(syncLag, prometheus.GaugeValue, float64(st.Lag))
	ch <- prometheus.MustNewConstMetric(syncConnected, prometheus.GaugeValue, bool01(st.Connected))
	ch <- prometheus.MustNewConstMetric(syncListening, prometheus.GaugeValue, bool01(st.Listening))
	ch <- prometheus.MustNewConstMetric(syncNotifications, prometheus.CounterValue, float64(st.Notifications))
	ch <- prometheus.MustNewConstMetric(syncCatchUps, prometheus.CounterValue, float64(st.CatchUps))
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// routeSeries is one route's pattern with its series resolved when the
// route is registered, so a request costs no label lookup: its latency
// histogram, and its request counter for the route's own method answered
// 200, the usual case. Registering them also lists every route in
// /metrics from the start, at zero. A nil *routeSeries is no route.
type routeSeries struct {
	pattern  string
	method   string
	duration prometheus.Observer
	ok       prometheus.Counter
}

// route returns the series of the route pattern for method; a method of
// "" resolves no counter.
func (m *metrics) route(method, pattern string) *routeSeries {
	rt := &routeSeries{pattern: pattern, method: method, duration: m.duration.WithLabelValues(pattern)}
	if method != "" {
		rt.ok = m.requests.WithLabelValues(pattern, method, statusLabel(http.StatusOK))
	}
	return rt
}

// observe records one answered request of route rt (nil when no route
// matched, counted as "unmatched"). Unusual methods are counted as OTHER,
// so a client cannot grow the label sets without bound.
func (m *metrics) observe(rt *routeSeries, method string, status int, d time.Duration) {
	if rt == nil {
		rt = m.unmatched
	}
	switch {
	case rt.ok != nil && status == http.StatusOK && method == rt.method:
		rt.ok.Inc()
	case method == http.MethodGet, method == http.MethodHead, method == http.MethodPost, method == http.MethodPut,
		method == http.MethodPatch, method == http.MethodDelete, method == http.MethodOptions:
		m.requests.WithLabelValues(rt.pattern, method, statusLabel(status)).Inc()
	default:
		m.requests.WithLabelValues(rt.pattern, "OTHER", statusLabel(status)).Inc()
	}
	rt.duration.Observe(d.Seconds())
}

// handler serves the metrics in Prometheus's text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// statusLabels are the "status" label values of the codes 100 to 599,
// made once: strconv.Itoa allocates for numbers of three digits.
var statusLabels = func() (l [500]string) {
	for i := range l {
		l[i] = strconv.Itoa(100 + i)
	}
	return l
}()

// statusLabel is the "status" label value of code.
func statusLabel(code int) string {
	if code >= 100 && code < 600 {
		return statusLabels[code-100]
	}
	return strconv.Itoa(code)
}
