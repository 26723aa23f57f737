// Package chartextras tests the chart's optional extras and metadata: the
// Grafana dashboard (built from the metrics the server exports), the
// ResourceQuota for system-cluster-critical pods, and the ArtifactHub
// annotations.
package chartextras
