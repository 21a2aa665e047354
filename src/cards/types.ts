/**
 * A small typed model of the Adaptive Card 1.5 subset MfaBot renders, plus the Teams-only parts it uses
 * (`Chart.Donut`, `msteams`). Enumerated values use the schema's canonical spelling.
 */
import type { Verb } from './verbs';

/** Any JSON value: what action data may carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Color = 'default' | 'dark' | 'light' | 'accent' | 'good' | 'warning' | 'attention';
export type ContainerStyle = 'default' | 'emphasis' | 'good' | 'attention' | 'warning' | 'accent';
export type Spacing = 'none' | 'small' | 'default' | 'medium' | 'large' | 'extraLarge' | 'padding';
export type FontSize = 'default' | 'small' | 'medium' | 'large' | 'extraLarge';
export type FontWeight = 'default' | 'lighter' | 'bolder';
export type HorizontalAlignment = 'left' | 'center' | 'right';
export type ActionStyle = 'default' | 'positive' | 'destructive';

/** Properties every body element may carry. */
interface ElementBase {
  id?: string;
  spacing?: Spacing;
  separator?: boolean;
  isVisible?: boolean;
}

/** Properties an element may carry besides its type-specific ones, including its own fallback. */
interface FallbackCapable extends ElementBase {
  fallback?: CardElement | 'drop';
}

export interface TextBlock extends FallbackCapable {
  type: 'TextBlock';
  /** Markdown subset; never put untrusted text here unescaped (use a TextRun instead). */
  text: string;
  wrap?: boolean;
  size?: FontSize;
  weight?: FontWeight;
  color?: Color;
  isSubtle?: boolean;
  maxLines?: number;
  horizontalAlignment?: HorizontalAlignment;
  style?: 'default' | 'heading';
}

/** Plain text inside a RichTextBlock: no markdown is interpreted, so tenant-supplied names render literally. */
export interface TextRun {
  type: 'TextRun';
  text: string;
  color?: Color;
  size?: FontSize;
  weight?: FontWeight;
  isSubtle?: boolean;
  italic?: boolean;
}

export interface RichTextBlock extends FallbackCapable {
  type: 'RichTextBlock';
  inlines: TextRun[];
  horizontalAlignment?: HorizontalAlignment;
}

export interface Container extends FallbackCapable {
  type: 'Container';
  items: CardElement[];
  style?: ContainerStyle;
  bleed?: boolean;
}

export interface Column extends ElementBase {
  type: 'Column';
  items: CardElement[];
  width?: 'auto' | 'stretch' | number | `${number}px`;
  style?: ContainerStyle;
  verticalContentAlignment?: 'top' | 'center' | 'bottom';
}

export interface ColumnSet extends FallbackCapable {
  type: 'ColumnSet';
  columns: Column[];
}

export interface Fact {
  title: string;
  value: string;
}

export interface FactSet extends FallbackCapable {
  type: 'FactSet';
  facts: Fact[];
}

export interface TableColumnDefinition {
  type?: 'TableColumnDefinition';
  width?: number | `${number}px`;
  horizontalCellContentAlignment?: HorizontalAlignment;
}

export interface TableCell {
  type: 'TableCell';
  items: CardElement[];
  style?: ContainerStyle;
}

export interface TableRow {
  type: 'TableRow';
  cells: TableCell[];
  style?: ContainerStyle;
}

/** Adaptive Cards 1.5 table. */
export interface Table extends FallbackCapable {
  type: 'Table';
  columns: TableColumnDefinition[];
  rows: TableRow[];
  firstRowAsHeader?: boolean;
  showGridLines?: boolean;
  gridStyle?: ContainerStyle;
}

export interface Choice {
  title: string;
  value: string;
}

interface InputBase extends FallbackCapable {
  id: string;
  label?: string;
  isRequired?: boolean;
  errorMessage?: string;
}

export interface InputChoiceSet extends InputBase {
  type: 'Input.ChoiceSet';
  choices: Choice[];
  /** Teams submits a multi-select as one comma-separated string of values. */
  isMultiSelect?: boolean;
  /** `filtered` (typeahead) requires `isMultiSelect: false`. */
  style?: 'compact' | 'expanded' | 'filtered';
  placeholder?: string;
  value?: string;
  wrap?: boolean;
}

export interface InputText extends InputBase {
  type: 'Input.Text';
  placeholder?: string;
  value?: string;
  isMultiline?: boolean;
  maxLength?: number;
  style?: 'text' | 'tel' | 'url' | 'email' | 'password';
}

export interface DonutDatum {
  legend: string;
  value: number;
  color?: string;
}

/** Teams-only chart. Clients that do not know it render `fallback`, which is therefore required. */
export interface ChartDonut extends ElementBase {
  type: 'Chart.Donut';
  title?: string;
  data: DonutDatum[];
  fallback: CardElement;
}

export interface ActionSet extends FallbackCapable {
  type: 'ActionSet';
  actions: CardAction[];
}

export type CardElement =
  | TextBlock | RichTextBlock | Container | ColumnSet | FactSet | Table
  | InputChoiceSet | InputText | ChartDonut | ActionSet;

interface ActionBase {
  title: string;
  id?: string;
  style?: ActionStyle;
  tooltip?: string;
  isEnabled?: boolean;
}

/** What older clients send instead of an Action.Execute: routed by `data.verb`. */
export interface ActionSubmit extends ActionBase {
  type: 'Action.Submit';
  data: JsonObject & { verb: Verb };
  associatedInputs?: 'auto' | 'none';
}

/** Universal Action: sends an `adaptiveCard/action` invoke carrying `verb` and `data`. */
export interface ActionExecute extends ActionBase {
  type: 'Action.Execute';
  verb: Verb;
  data: JsonObject;
  associatedInputs?: 'auto' | 'none';
  fallback: ActionSubmit;
}

export interface ActionOpenUrl extends ActionBase {
  type: 'Action.OpenUrl';
  url: string;
}

export interface ActionShowCard extends ActionBase {
  type: 'Action.ShowCard';
  card: NestedCard;
}

export type CardAction = ActionExecute | ActionOpenUrl | ActionShowCard | ActionSubmit;

/** A Teams @mention: `text` appears verbatim (`<at>Name</at>`) in some TextBlock of the card. */
export interface Mention {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface TeamsCardProperties {
  width?: 'Full';
  entities?: Mention[];
}

export interface Refresh {
  action: ActionExecute;
  /** User MRIs (at most 60); `[]` means manual refresh only, omitted means everyone in small chats. */
  userIds?: string[];
}

/** The card inside an Action.ShowCard: no version, refresh or Teams properties of its own. */
export interface NestedCard {
  type: 'AdaptiveCard';
  body: CardElement[];
  actions?: CardAction[];
}

/** A top-level card as MfaBot sends it: always version 1.5, which Action.Execute needs in Teams. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema?: 'http://adaptivecards.io/schemas/adaptive-card.json';
  version: '1.5';
  body: CardElement[];
  actions?: CardAction[];
  refresh?: Refresh;
  fallbackText?: string;
  msteams?: TeamsCardProperties;
}
