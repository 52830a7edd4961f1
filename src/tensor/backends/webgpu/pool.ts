import { notYet } from './placeholder.js';
export const maxPool2d = notYet('maxPool2d');
export const maxPool2dBackward = notYet('maxPool2dBackward');
export const avgPool2d = notYet('avgPool2d');
export const avgPool2dBackward = notYet('avgPool2dBackward');
