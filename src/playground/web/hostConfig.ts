/**
 * A Teams-like host config (light theme) for Microsoft's Adaptive Cards renderer, after the values of
 * the "microsoft-teams-light" sample host config in the AdaptiveCards repository: Segoe UI 14 px,
 * Teams' purple accent, 16 px padding, at most 6 actions, "," between multi-select values (what Teams
 * sends). The warning colour is darkened: Teams' yellow is unreadable as text on white.
 */
import * as AC from 'adaptivecards';

const foreground = {
  default: { default: '#252424', subtle: '#616161' },
  dark: { default: '#252424', subtle: '#616161' },
  light: { default: '#ffffff', subtle: '#f3f2f1' },
  accent: { default: '#6264a7', subtle: '#8b8cc7' },
  good: { default: '#237b4b', subtle: '#4e9a6c' },
  warning: { default: '#835c00', subtle: '#a77a14' },
  attention: { default: '#c4314b', subtle: '#d46a7d' },
};

/** Teams' light theme as a host config object (JSON, as hosts ship it). */
export const TEAMS_LIGHT_HOST_CONFIG = {
  choiceSetInputValueSeparator: ',',
  supportsInteractivity: true,
  fontFamily: "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, BlinkMacSystemFont, Roboto, 'Helvetica Neue', sans-serif",
  spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#e1dfdd' },
  imageSizes: { small: 32, medium: 52, large: 100 },
  fontTypes: {
    default: {
      fontFamily: "'Segoe UI', 'Segoe UI Web (West European)', -apple-system, BlinkMacSystemFont, Roboto, 'Helvetica Neue', sans-serif",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: "'Courier New', Courier, monospace",
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 200, default: 400, bolder: 600 },
    },
  },
  containerStyles: {
    default: { backgroundColor: '#ffffff', foregroundColors: foreground },
    emphasis: { backgroundColor: '#f9f8f7', foregroundColors: foreground },
    accent: { backgroundColor: '#e8ebfa', foregroundColors: foreground },
    good: { backgroundColor: '#e7f2da', foregroundColors: foreground },
    attention: { backgroundColor: '#fcf4f6', foregroundColors: foreground },
    warning: { backgroundColor: '#fbf6d9', foregroundColors: foreground },
  },
  actions: {
    maxActions: 6,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 16, style: 'emphasis' },
    preExpandSingleShowCardAction: false,
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
  adaptiveCard: { allowCustomStyle: false },
  imageSet: { imageSize: 'medium', maxImageHeight: 100 },
  factSet: {
    title: { size: 'default', color: 'default', isSubtle: false, weight: 'bolder', wrap: true, maxWidth: 150 },
    value: { size: 'default', color: 'default', isSubtle: false, weight: 'default', wrap: true },
    spacing: 16,
  },
  inputs: {
    label: {
      inputSpacing: 'small',
      requiredInputs: { weight: 'bolder', suffix: ' *', suffixColor: 'attention' },
      optionalInputs: { weight: 'bolder' },
    },
    errorMessage: { size: 'small', color: 'attention' },
  },
};

/** The host config the renderer uses in the playground. */
export function teamsHostConfig(): AC.HostConfig {
  return new AC.HostConfig(TEAMS_LIGHT_HOST_CONFIG);
}
