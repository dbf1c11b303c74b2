/**
 * Pure checks of the quotas a platform declares (`GatewayPlatformProps.quotas`, and the `quotas` of
 * imported attributes): every value a whole number ≥ 1 within AWS's maximum, every name one backend-link
 * checks. The app-wide quota counts run at synth (`quotas.ts`).
 */
import type { Problem } from '../shared/problems';
import { PlatformQuotas, QUOTAS, QuotaName, QuotaUsage, SHARED_QUOTAS, SharedQuotaName } from './quotas';

/** The problems of `quotas` (props named `quotas.<name>`, as the user writes them on the platform). */
export function checkQuotas(quotas: PlatformQuotas | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(quotas ?? {}) as Array<[string, unknown]>) {
    const prop = `quotas.${name}`;
    if (name === 'usedByOtherApps') {
      problems.push(...checkQuotaUsage(value as QuotaUsage | undefined));
      continue;
    }
    const definition = QUOTAS[name as QuotaName];
    if (!definition) {
      problems.push({
        prop,
        message: `is not a quota backend-link checks (${Object.keys(QUOTAS).join(', ')})`,
      });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      problems.push({ prop, value, message: 'must be a whole number ≥ 1' });
    } else if (definition.maximum !== undefined && value > definition.maximum) {
      problems.push({
        prop,
        value,
        message: `is above ${definition.maximum}, the most AWS grants for ${definition.title}`,
      });
    }
  }
  return problems;
}

function checkQuotaUsage(usage: QuotaUsage | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const [name, value] of Object.entries(usage ?? {}) as Array<[string, unknown]>) {
    const prop = `quotas.usedByOtherApps.${name}`;
    if (!SHARED_QUOTAS.includes(name as SharedQuotaName)) {
      problems.push({
        prop,
        message: `is not an account-wide or region-wide quota (${SHARED_QUOTAS.join(', ')})`,
      });
    } else if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      problems.push({ prop, value, message: 'must be a whole number ≥ 0' });
    }
  }
  return problems;
}
