import { notYet } from './placeholder.js';
export const adamUpdate = notYet('adamUpdate');
export const sgdUpdate = notYet('sgdUpdate');
