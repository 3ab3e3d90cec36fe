/**
 * Top principal directions of a set of row vectors and Gram–Schmidt orthonormalisation, re-exported for
 * evaluation code and the notebooks; the implementation lives with the models (`lib/models/linalg.ts`) so
 * that strategies can use it without depending on evaluation.
 *
 * @module
 */
export { orthonormalize, principalDirections } from "../models/linalg.ts";
