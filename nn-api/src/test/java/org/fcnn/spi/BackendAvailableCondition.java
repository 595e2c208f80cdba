// SPDX-License-Identifier: Apache-2.0
package org.fcnn.spi;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * Disables a {@link BackendConformanceTest} subclass, with the provider's reason, when its backend cannot
 * run here, so that test reports list the suite as skipped and say why. A backend named in
 * {@code fcnn.require} is never disabled: its suite then fails in {@code @BeforeAll} instead.
 */
final class BackendAvailableCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Class<?> type = context.getTestClass().orElse(null);
        if (type == null || context.getTestMethod().isPresent()
                || !BackendConformanceTest.class.isAssignableFrom(type)
                || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
            return ConditionEvaluationResult.enabled("not a concrete conformance suite");
        }
        BackendProvider provider = ((BackendConformanceTest) ReflectionSupport.newInstance(type)).provider();
        Availability availability = provider.availability();
        if (availability.available()) {
            return ConditionEvaluationResult.enabled("backend '" + provider.name() + "' is available");
        }
        if (BackendConformanceTest.required(provider.name())) {
            return ConditionEvaluationResult.enabled("backend '" + provider.name() + "' is required");
        }
        return ConditionEvaluationResult.disabled("backend '" + provider.name() + "' unavailable: "
                + availability.reason());
    }
}
