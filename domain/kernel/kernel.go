// Package kernel is the shared kernel of Keel's bounded contexts: the few value types and
// error conventions every context needs, with no behaviour of any one context.
package kernel
