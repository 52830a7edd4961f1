import { notYet } from './placeholder.js';
export const conv2d = notYet('conv2d');
export const conv2dBackwardInput = notYet('conv2dBackwardInput');
export const conv2dBackwardWeight = notYet('conv2dBackwardWeight');
export const conv2dReluBackwardParams = notYet('conv2dReluBackwardParams');
