package archrules

// judge returns the rule that the import from -> to breaks, if any. from is a module package.
// Each importing layer has one judge; a layer without one is bound only by RuleNoCmdImports.
func judge(from, to node) (Rule, bool) {
	if to.in("bench") && !from.in("bench") {
		return RuleNoBenchImports, true
	}
	if to.kind == kindTracingSDK {
		switch {
		case from.in("platform") && from.sub == "tracing":
			return "", false
		case !from.in("domain", "ports", "application"):
			return RuleTracingSDKInPlatform, true
		}
		to.kind = kindThirdParty // inside the hexagon, its own rules say more
	}
	switch {
	case from.isKernel():
		return judgeKernel(to)
	case from.in("domain"):
		return judgeContext(from, to)
	case from.in("ports"):
		return judgePorts(to)
	case from.in("application"):
		return judgeApplication(to)
	case from.in("platform"):
		return forbid(to, RulePlatformNoBusiness, "domain", "application", "adapters", "cmd")
	case from.in("adapters"):
		return forbid(to, RuleAdaptersNoCmd, "cmd")
	case from.in("migrations"):
		return forbid(to, RuleMigrationsStandalone, "domain", "application", "adapters", "platform", "cmd")
	case from.in("cmd") && to.in("cmd"):
		// A process may split itself into packages under its own folder, and every process
		// may share the wiring under cmd/internal; one process never imports another.
		return RuleNoCmdImports, from.sub != to.sub && to.sub != "internal"
	}
	return forbid(to, RuleNoCmdImports, "cmd")
}

func judgeKernel(to node) (Rule, bool) {
	if to.allowedEverywhere() || to.isKernel() {
		return "", false
	}
	return RuleKernelPure, true
}

func judgePorts(to node) (Rule, bool) {
	if to.allowedEverywhere() || to.isKernel() || to.in("ports") {
		return "", false
	}
	return RulePortsPure, true
}

func judgeContext(from, to node) (Rule, bool) {
	switch {
	case to.allowedEverywhere() || to.isKernel() || to.in("ports"):
		return "", false
	case to.in("domain") && to.sub == from.sub:
		return "", false
	case to.kind == kindThirdParty:
		return RuleDomainNoInfrastructure, true
	case to.in("domain"):
		return RuleContextIsolation, true
	}
	return RuleDomainNoOuterLayer, true
}

func judgeApplication(to node) (Rule, bool) {
	switch {
	case to.allowedEverywhere() || to.in("domain", "ports", "application"):
		return "", false
	case to.kind == kindThirdParty:
		return RuleApplicationNoInfrastructure, true
	}
	return RuleApplicationNoOuterLayer, true
}

// forbid returns rule when to is a module package in one of the forbidden layers.
func forbid(to node, rule Rule, forbidden ...string) (Rule, bool) {
	if to.in(forbidden...) {
		return rule, true
	}
	return "", false
}
