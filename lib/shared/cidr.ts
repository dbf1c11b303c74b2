/**
 * CIDR arithmetic for synth-time validation. The one implementation lives beside the runtime (which must
 * not import cdktf), so the library and the runtime's validator parse and explain blocks the same way.
 */
export * from '../../gateway-runtime/src/core/cidr';
