import type { EmailStep, Lead, Person, Source } from '../core/types.ts';
import type { ProviderCampaigns } from './campaign-types.ts';

/** A page of people from a lead search (Apollo People Search, free). */
export interface SearchPage {
  people: Person[];
  hasMore: boolean;
}

export interface LeadSearch {
  searchPeople(source: Source, page: number, perPage: number): Promise<SearchPage>;
}

export interface EmailFound {
  email: string;
  email_status: string | null;
  /** Fields the provider filled in that were empty on the lead. */
  patch?: Partial<Person>;
  /** A phone number the provider returned with the email (never revealed at extra cost). */
  phone?: string | null;
}

/** Apollo People Match: one credit per reveal, never asks for phone numbers. */
export interface EmailMatcher {
  matchPerson(lead: Lead): Promise<EmailFound | null>;
}

export type { ClayCallback } from '../core/ports.ts';

/** Clay: the row is posted now and the result arrives later through the callback route. */
export interface ClayEnricher {
  submit(lead: Lead): Promise<void>;
  /**
   * Posts a website visitor as a row with `visitor_id` and `source=caio_visitor`; the table's
   * callback carries the visitor_id back to /webhooks/clay (visitor branch). Optional: without it
   * the webhook worker uses RB2B's own fields as the enrichment.
   */
  submitVisitor?(row: ClayVisitorRow): Promise<void>;
}

/** A website visitor row for Clay (issue 5). */
export interface ClayVisitorRow {
  visitor_id: string;
  source: 'caio_visitor';
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  title: string | null;
  company_name: string | null;
  company_domain: string | null;
  linkedin_url: string | null;
  industry: string | null;
  employee_count: number | null;
}

export type BetterContactPoll =
  | { done: false }
  | { done: true; email: string | null; email_status: string | null; credits: number; phone?: string | null };

/** BetterContact: asynchronous submit, then poll by request id. */
export interface BetterContactClient {
  submit(lead: Lead): Promise<{ requestId: string }>;
  poll(requestId: string): Promise<BetterContactPoll>;
}

/** A lead handed to the Instantly campaign with its whole approved sequence. */
export interface OutboundEmail {
  idempotencyKey: string;
  leadRef: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  title: string | null;
  /** The approved emails, steps 1-5 in order: the campaign's step N sends `steps[N - 1]`. */
  steps: EmailStep[];
}

/** Instantly: adds the lead with its approved email sequence to the campaign. */
export interface EmailSender {
  addLead(email: OutboundEmail): Promise<{ providerRef: string }>;
  /**
   * Whether the address is already a lead of the campaign (an earlier attempt may have added it
   * and died before recording it): its provider id, or null when it is certainly not there.
   * Throws when the provider's answer cannot tell, so an unknown never becomes a second send.
   */
  findLead(email: string): Promise<{ providerRef: string } | null>;
}

/** A contact to upsert in GoHighLevel (RB2B visitors and pipeline leads). */
export interface CrmContact {
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company_name: string | null;
  phone?: string | null;
  source: string;
  tags: string[];
}

/** GoHighLevel contact upsert. */
export interface ContactSync {
  upsertContact(contact: CrmContact): Promise<{ contactId: string; created: boolean }>;
}

/** HeyReach: adds a lead to a LinkedIn campaign (cadence LinkedIn steps) and stops it there. */
export interface LinkedInSteps {
  /** `linkedInAccountId`: the sender the lead keeps for life (absent: HeyReach picks one). */
  addLeadToCampaign(lead: { linkedin_url: string; first_name: string | null; last_name: string | null; company_name: string | null; title: string | null; email: string | null; linkedInAccountId?: string | null }): Promise<void>;
  /** `StopLeadInCampaign`: the lead gets no further LinkedIn step (they replied, bounced or unsubscribed). */
  stopLead(linkedinUrl: string): Promise<void>;
}

export interface Providers {
  kind: 'sandbox' | 'live';
  search: LeadSearch;
  apollo: EmailMatcher;
  clay: ClayEnricher | null;
  bettercontact: BetterContactClient | null;
  instantly: EmailSender;
  ghl: ContactSync | null;
  heyreach: LinkedInSteps | null;
  /** The Instantly and HeyReach campaigns themselves: preflight, daily_limit, pause/activate (DESIGN §9). */
  campaigns: ProviderCampaigns;
  close(): Promise<void>;
}
