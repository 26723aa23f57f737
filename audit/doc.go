// Package audit judges a live cluster with the policy engine: it lists every
// kind the engine knows through the API server, page by page, validates each
// object as it arrives and digests it into the compact index the
// cross-object rules (IGR8xx) read, so memory stays bounded by a page and
// the index, not by the cluster. It also runs the same judgement in the
// background inside the server and publishes it as policy reports.
package audit
