/**
 * Renders one card with Microsoft's Adaptive Cards renderer, the Teams-like host config, markdown as
 * Teams shows it and the chart elements, and reports everything the renderer complained about while
 * parsing and validating it (unknown elements, invalid values, …), so tests can require silence.
 */
import * as AC from 'adaptivecards';
import { registryWithCharts } from './charts';
import { teamsHostConfig } from './hostConfig';
import { markdownToHtml } from './markdown';

/** What a click on a card asks the host to do. */
export type CardActionRequest =
  | { kind: 'execute'; verb: string; id?: string; data: Record<string, unknown> }
  | { kind: 'submit'; data: unknown }
  | { kind: 'openUrl'; url: string };

export interface RenderedCard {
  element: HTMLElement;
  /** Parse and validation events of the renderer, as "Phase/Event: message". Empty for a clean card. */
  warnings: string[];
  /** Type names of the elements and actions the renderer parsed (after any fallback), in order. */
  parsedTypes: string[];
}

const hostConfig = teamsHostConfig();
const registry = registryWithCharts();

AC.AdaptiveCard.onProcessMarkdown = (text, result) => {
  result.outputHtml = markdownToHtml(text);
  result.didProcess = true;
};

function describe(event: AC.IValidationEvent): string {
  return `${AC.ValidationPhase[event.phase]}/${AC.ValidationEvent[event.event]}: ${event.message}`;
}

/** Renders `json`; clicks on its actions call `onAction`. Never throws: a failure is a warning. */
export function renderCard(json: unknown, onAction: (request: CardActionRequest) => void): RenderedCard {
  const warnings: string[] = [];
  const parsedTypes: string[] = [];
  const card = new AC.AdaptiveCard();
  card.hostConfig = hostConfig;
  const context = new AC.SerializationContext();
  context.setElementRegistry(registry);
  context.onParseElement = (element) => parsedTypes.push(element.getJsonTypeName());
  context.onParseAction = (action) => parsedTypes.push(action.getJsonTypeName());

  card.onExecuteAction = (action) => {
    if (action instanceof AC.ExecuteAction) {
      onAction({ kind: 'execute', verb: action.verb, ...(action.id ? { id: action.id } : {}), data: { ...(action.data as Record<string, unknown> | undefined) } });
    } else if (action instanceof AC.SubmitAction) {
      onAction({ kind: 'submit', data: action.data });
    } else if (action instanceof AC.OpenUrlAction && action.url) {
      onAction({ kind: 'openUrl', url: action.url });
    }
  };

  let element: HTMLElement | undefined;
  try {
    card.parse(json, context);
    for (let i = 0; i < context.eventCount; i++) warnings.push(describe(context.getEventAt(i)));
    for (const event of card.validateProperties().validationEvents) warnings.push(describe(event));
    element = card.render();
  } catch (err) {
    warnings.push(`Render/Exception: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!element) {
    warnings.push('Render/Empty: the renderer produced nothing');
    element = document.createElement('div');
    element.className = 'card-error';
    element.textContent = 'This card could not be displayed.';
  }
  return { element, warnings, parsedTypes };
}
